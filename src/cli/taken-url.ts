import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { UsageError, describeValue } from '../errors.js';

/**
 * Flags whose value may be a URL or text that a URL could be, and that a forgotten value lets take the URL
 * meant as the run's argument (`-e $REF URL` with REF empty, `-d URL`): no argument was left, so the run read
 * stdin, and an empty one (cron, `</dev/null`) made a run of no records, exit 0. curl says "no URL specified".
 * -H, -u, -A and -x refuse a URL as their value outright (options/); these may take one, so the run is
 * judged at its end: no record read, and the URL is named.
 */
const MAY_TAKE_A_URL: ReadonlySet<string> = new Set(['-e', '--referer', '-d', '--data', '--data-raw', '--data-binary', '--data-ascii', '--json', '--data-urlencode']);
/** Flags whose value is no file name, which took the input file's (`-X urls.txt`, `-A urls.txt`) when theirs was forgotten. */
const MAY_TAKE_A_FILE_NAME: ReadonlySet<string> = new Set([...MAY_TAKE_A_URL, '-A', '--user-agent', '-X', '--request', '--method']);

/**
 * The flag and URL a value-taking flag took, when the command line gave no input of its own and stdin is no
 * pipe (a terminal, /dev/null, a file); undefined otherwise. An empty pipe is a list that had no line this
 * time (`make-list | bulkfetch -e URL`), not a URL forgotten.
 */
export function urlTakenAsValue(argv: readonly string[], positionals: readonly string[], urlFlags: readonly string[]): { flag: string; url: string } | undefined {
  if (positionals.length > 0 || urlFlags.length > 0 || stdinIsPipe()) return undefined;
  for (let at = 0; at < argv.length; at++) {
    const arg = argv[at] as string;
    // `--data=URL`; `-d URL`, or a bundle ending in the flag (`-sd URL`); `-dURL`.
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [flag, value] = equals > 0
      ? [arg.slice(0, equals), arg.slice(equals + 1)]
      : /^-[A-Za-z0-9]*[de]$/.test(arg) ? [`-${arg.at(-1)}`, argv[at + 1]] : /^-[A-Za-z0-9]*[de]https?:\/\//i.test(arg) ? [`-${arg[arg.search(/[de]https?:/i)]}`, arg.slice(arg.search(/[de]https?:/i) + 1)] : [arg, argv[at + 1]];
    if (MAY_TAKE_A_URL.has(flag) && value !== undefined && /^https?:\/\/\S+$/i.test(value)) return { flag, url: value };
    if (MAY_TAKE_A_FILE_NAME.has(flag) && value !== undefined && isRegularFile(value)) return { flag, url: value };
  }
  return undefined;
}

/**
 * `-o FILE` or `--summary FILE` naming a file that is no output of bulkfetch (its first byte no `{`), with no
 * input given and stdin no pipe or file: FILE was the input, taken as the flag's value (`bulkfetch --summary
 * urls.txt`), and the run would replace it, its URLs lost. Refused before anything is opened, as curl says
 * "no URL specified" and touches nothing.
 */
export function refuseReplacingTheInput(positionals: readonly string[], urlFlags: readonly string[], files: ReadonlyArray<[flag: string, path: string | undefined]>): void {
  if (positionals.length > 0 || urlFlags.length > 0 || stdinIsPipeOrFile()) return;
  for (const [flag, path] of files) {
    if (path === undefined || path === '-' || !isRegularFile(path)) continue;
    const first = firstByte(path);
    if (first === undefined || first === 0x7b) continue;
    throw new UsageError(`No input was given, and ${flag} ${describeValue(path)} would replace a file that holds no results of bulkfetch: was it meant as the input? Give it as an argument (bulkfetch ${path} ...)`);
  }
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function firstByte(path: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const byte = Buffer.alloc(1);
    return readSync(fd, byte, 0, 1, 0) === 1 ? byte[0] : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function stdinIsPipeOrFile(): boolean {
  try {
    const stats = fstatSync(0);
    return stats.isFIFO() || stats.isSocket() || stats.isFile();
  } catch {
    return false;
  }
}

function stdinIsPipe(): boolean {
  try {
    const stats = fstatSync(0);
    return stats.isFIFO() || stats.isSocket();
  } catch {
    return false;
  }
}
