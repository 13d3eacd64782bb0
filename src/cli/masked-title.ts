import { readFileSync, writeFileSync } from 'node:fs';
import { maskedArgv } from './masked-argv.js';

/**
 * ps and /proc/PID/cmdline show a run's command line to every user of the machine for as long as it lasts: its
 * secrets (-u's password, an Authorization value, a body's password) are shown there as ***, as curl blanks
 * -u's. Setting the title also renames the process after its first 15 bytes (libuv's prctl PR_SET_NAME: `node
 * /work/main`), where `pgrep -x` and `killall` look: the name it had is put back (`node`; Node 24 names its main
 * thread `MainThread`). Nothing when no secret was
 * given. Called after the arguments' own bytes were read from /proc/self/cmdline, which the title overwrites.
 */
export function maskCommandLineShown(args: readonly string[]): void {
  const shown = maskedArgv(args);
  if (!shown.masked) return;
  const name = processName();
  process.title = [process.argv0, process.argv[1], ...shown.args].join(' ');
  if (name === undefined) return;
  try {
    writeFileSync('/proc/self/comm', name);
  } catch {
    // Not Linux, or no /proc: the title alone.
  }
}

function processName(): string | undefined {
  try {
    return readFileSync('/proc/self/comm', 'utf8').trim();
  } catch {
    return undefined;
  }
}
