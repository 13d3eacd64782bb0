/**
 * The other half of bin/'s sh launcher line. Node 20 reads NODE_EXTRA_CA_CERTS,
 * and parses its whole bundled root store with it, as a process starts: 40-80
 * ms of the CLI's start on a machine that sets it (one URL at --procs 8: ~0.42
 * s against ~0.32 s), for a parent that never opens a connection. Started as an
 * installed bin, the file is run by /bin/sh, which moves the variable to
 * MOVED_EXTRA_CA_ENV and starts Node without it (bench/CHANGELOG.md, entry 45).
 * Put back here, before anything reads the environment, the rest of the CLI
 * sees the environment the user gave: children get the file as they always did
 * (src/wire/child-env.ts). `node bin/bulkfetch.js` skips the sh line and pays
 * the cost as before.
 */
import { accessSync, constants } from 'node:fs';

/** Set by bin/'s sh line only; never read by anything but this module. */
export const MOVED_EXTRA_CA_ENV = 'BULKFETCH_MOVED_EXTRA_CA_CERTS';

/**
 * Restores NODE_EXTRA_CA_CERTS from MOVED_EXTRA_CA_ENV. Returns a warning for
 * people when the file cannot be read: Node would have printed one as the
 * parent started, and no process of the run reads the file before a child's
 * first https connection, which then quietly trusts the bundled roots alone.
 */
export function restoreMovedExtraCaCerts(env: NodeJS.ProcessEnv = process.env, nodeMajor: number = NODE_MAJOR): string | undefined {
  const moved = env[MOVED_EXTRA_CA_ENV];
  if (moved === undefined) {
    // `node bin/bulkfetch.js`: Node 20 read the file as it started, and warned of one it could not read; Node 22
    // and later read it at the first TLS context, which no process of the run makes with it (children are given
    // it under a name of theirs, see child-env.ts): nothing said the certificates were not trusted.
    const given = env.NODE_EXTRA_CA_CERTS;
    return given && nodeMajor >= 22 ? unreadableWarning(given) : undefined;
  }
  delete env[MOVED_EXTRA_CA_ENV];
  // One given beside ours (a caller that set both) is the user's.
  if (env.NODE_EXTRA_CA_CERTS || !moved) return undefined;
  env.NODE_EXTRA_CA_CERTS = moved;
  return unreadableWarning(moved);
}

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

function unreadableWarning(file: string): string | undefined {
  try {
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return `bulkfetch: warning: NODE_EXTRA_CA_CERTS ${JSON.stringify(file)} cannot be read (${code}); its certificates are not trusted\n`;
  }
}

/** Set by bin/'s sh line when the run was started with stdout closed (`>&-`). */
const STDOUT_CLOSED_ENV = 'BULKFETCH_STDOUT_CLOSED';

/**
 * Whether bin/'s sh line found stdout closed. Node opens a closed stdout on
 * /dev/null as it starts, so the result lines went nowhere and the run
 * exited 0; curl fails such a run (error 23). `node bin/bulkfetch.js` skips
 * the sh line, and cannot tell a closed stdout from `> /dev/null`.
 */
export function stdoutClosedAtLaunch(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[STDOUT_CLOSED_ENV] === '1';
}
