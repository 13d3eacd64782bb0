import { readFileSync, writeFileSync } from 'node:fs';
import { maskedArgv } from './masked-argv.js';
import { kernelCommandLine } from './raw-arguments.js';

/**
 * ps and /proc/PID/cmdline show a run's command line to every user of the machine for as long as it lasts: its
 * secrets (-u's password, an Authorization value, a body's password) are shown there as ***, as curl blanks
 * -u's. The kernel keeps the title in the memory of the arguments it started with, so a title longer than
 * they were is cut at their end (`-u a:b` as `a:***` cut off the arguments after it, and could split a UTF-8
 * character): each argument is shown in no more bytes than it had, its masks shortened where a secret was
 * shorter than ***, and the program's own words (`node bin/bulkfetch.js`) as they were given, not resolved.
 * Setting the title also renames the process after its first 15 bytes (libuv's prctl PR_SET_NAME: `node
 * /work/main`), where `pgrep -x` and `killall` look: the name it had is put back (`node`; Node 24 names its main
 * thread `MainThread`). Nothing when no secret was given. Called after the arguments' own bytes were read from
 * /proc/self/cmdline, which the title overwrites.
 */
export function maskCommandLineShown(args: readonly string[]): void {
  const shown = maskedArgv(args);
  if (!shown.masked) return;
  const name = processName();
  const given = kernelCommandLine()?.map((bytes) => bytes.toString('utf8'));
  const head = given !== undefined && given.length > args.length ? given.slice(0, given.length - args.length) : [process.argv0, process.argv[1] ?? ''];
  process.title = [...head, ...shown.args.map((arg, at) => fitTo(arg, Buffer.byteLength(args[at] as string)))].join(' ');
  if (name === undefined) return;
  try {
    writeFileSync('/proc/self/comm', name);
  } catch {
    // Not Linux, or no /proc: the title alone.
  }
}

/**
 * `masked` in at most `bytes` bytes: its masks lose stars from the last one back (`a:***` for `a:b` is `a:*`), and
 * what is still too long is cut before a whole character. Only masks make an argument longer than it was.
 */
export function fitTo(masked: string, bytes: number): string {
  const parts = masked.split('***');
  const stars = parts.slice(1).map(() => 3);
  const joined = (): string => parts.reduce((text, part, at) => (at === 0 ? part : `${text}${'*'.repeat(stars[at - 1] as number)}${part}`), '');
  let fitted = joined();
  for (let last = stars.length - 1; Buffer.byteLength(fitted) > bytes && last >= 0; ) {
    if (stars[last] === 0) last -= 1;
    else {
      stars[last] = (stars[last] as number) - 1;
      fitted = joined();
    }
  }
  if (Buffer.byteLength(fitted) <= bytes) return fitted;
  let cut = '';
  for (const char of fitted) {
    if (Buffer.byteLength(cut + char) > bytes) break;
    cut += char;
  }
  return cut;
}

function processName(): string | undefined {
  try {
    return readFileSync('/proc/self/comm', 'utf8').trim();
  } catch {
    return undefined;
  }
}
