import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { isatty } from 'node:tty';
import { UsageError, describeValue } from '../errors.js';
import { maskPasswords } from '../input/credentials.js';
import { isRegularFile } from '../input/input-size.js';
import { looksLikeHost } from './input-arguments.js';

/**
 * Flags whose value may be a URL, and that a forgotten value lets take the URL meant as the run's argument
 * (`-e $REF URL` with REF empty, `-d URL`): no argument was left, so the run read stdin, and an empty one
 * (cron, `</dev/null`) made a run of no records, exit 0. curl says "no URL specified". -H, -u, -A and -x
 * refuse a URL as their value outright (options/); these may take one, so the run is judged at its end.
 */
const MAY_TAKE_A_URL: ReadonlySet<string> = new Set(['-e', '--referer', '-d', '--data', '--data-raw', '--data-binary', '--data-ascii', '--json', '--data-urlencode']);
/** Flags whose value is no file name, which took the input file's (`-e urls.txt`, `-A urls.txt`) when theirs was forgotten. */
const MAY_TAKE_A_FILE_NAME: ReadonlySet<string> = new Set([...MAY_TAKE_A_URL, '-A', '--user-agent', '-X', '--request', '--method']);

/**
 * Flags that refuse a URL with a scheme outright (options/), and so took a URL written without one
 * (`-H localhost:8080/api`, `-u localhost:8080`) as a header or a user and password, with no word.
 */
const MAY_TAKE_A_SCHEMELESS_URL: ReadonlySet<string> = new Set([...MAY_TAKE_A_URL, '-H', '--header', '-u', '--user', '-A', '--user-agent']);

/** The flag and the value it took that was meant as the input. */
export interface TakenInput {
  flag: string;
  value: string;
}

/** -u and --user: their value is user:password, whatever it looks like. */
function isUserFlag(flag: string): boolean {
  return flag === '-u' || flag === '--user';
}

/**
 * `alice@example.com:1234`: an @ before any colon, an e-mail address as the login, no URL forgotten however its
 * host and numeric password look like one; `bob:pw@example.com` is a URL's credentials and host.
 */
function emailLogin(value: string): boolean {
  const at = value.indexOf('@');
  return at !== -1 && !value.slice(0, at).includes(':');
}

/** What stdin is: a pipe may bring an empty list on purpose; a file is an input given; a terminal or /dev/null is neither. */
type StdinKind = 'pipe' | 'file' | 'other';

/**
 * The flag, and the URL or the input file's name it took for its value, when the command line gave no input
 * of its own and stdin is no pipe (a terminal, /dev/null, a file); undefined otherwise. An empty pipe is a
 * list that had no line this time (`make-list | bulkfetch -e URL`), not a URL forgotten.
 */
export function valueMeantAsInput(argv: readonly string[], positionals: readonly string[], urlFlags: readonly string[]): TakenInput | undefined {
  if (positionals.length > 0 || urlFlags.length > 0 || stdinKind() === 'pipe') return undefined;
  for (let at = 0; at < argv.length; at++) {
    const { flag, value } = flagAndValue(argv, at);
    if (value === undefined) continue;
    if (MAY_TAKE_A_URL.has(flag) && /^https?:\/\/\S+$/i.test(value)) return { flag, value };
    if (MAY_TAKE_A_SCHEMELESS_URL.has(flag) && !existsSync(value) && looksLikeHost(value) && !(isUserFlag(flag) && emailLogin(value))) return { flag, value };
    if (MAY_TAKE_A_FILE_NAME.has(flag) && isRegularFile(value)) return { flag, value };
  }
  return undefined;
}

/** The usage error for a run whose input a flag took as its value. */
export function noUrlGiven(taken: TakenInput): string {
  // -u's value is user:password, whatever it looks like: its password is never shown.
  const shown = isUserFlag(taken.flag) ? taken.value.replace(/:.*/s, ':***') : maskPasswords(taken.value);
  return `No URL was given: ${taken.flag} took ${describeValue(shown)} as its value, and stdin had no line; give ${taken.flag} its value, and the URL (or the file of URLs) as an argument of its own`;
}

/**
 * Stdin that can bring no line: /dev/null (a device that is no terminal, as cron and `</dev/null` give) or an
 * empty file. A run whose input a flag took is then the usage error before anything else is said or opened:
 * judged at the run's end, it came after the run's warnings, two lines where a usage error is one.
 */
export function stdinHoldsNothing(): boolean {
  try {
    const stats = fstatSync(0);
    return (stats.isCharacterDevice() && !isatty(0)) || (stats.isFile() && stats.size === 0);
  } catch {
    return false;
  }
}

/** argv[at] as a flag and the value it takes, as commander reads them: `--data=V`, `-d V` or a bundle ending in -d or -e (`-sd V`), `-dV`. */
function flagAndValue(argv: readonly string[], at: number): { flag: string; value: string | undefined } {
  const arg = argv[at] as string;
  const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
  if (equals > 0) return { flag: arg.slice(0, equals), value: arg.slice(equals + 1) };
  if (/^-[A-Za-z0-9]*[de]$/.test(arg)) return { flag: `-${arg.at(-1) as string}`, value: argv[at + 1] };
  const joined = /^-[A-Za-z0-9]*?([de])(https?:\/\/.*)$/i.exec(arg);
  if (joined) return { flag: `-${joined[1] as string}`, value: joined[2] };
  return { flag: arg, value: argv[at + 1] };
}

/**
 * `-o FILE` or `--summary FILE` naming a file that is no output of bulkfetch (its first byte no `{`), with no
 * input given and stdin no pipe or file: FILE was the input, taken as the flag's value (`bulkfetch --summary
 * urls.txt`), and the run would replace it, its URLs lost. Refused before anything is opened, as curl says
 * "no URL specified" and touches nothing.
 */
export function refuseReplacingTheInput(positionals: readonly string[], urlFlags: readonly string[], files: ReadonlyArray<[flag: string, path: string | undefined]>): void {
  if (positionals.length > 0 || urlFlags.length > 0 || stdinKind() !== 'other') return;
  for (const [flag, path] of files) {
    if (path === undefined || !isRegularFile(path)) continue;
    const first = firstByte(path);
    if (first === undefined || first === 0x7b) continue;
    throw new UsageError(`No input was given, and ${flag} ${describeValue(path)} would replace a file that holds no results of bulkfetch: was it meant as the input? Give it as an argument (bulkfetch ${path} ...)`);
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

function stdinKind(): StdinKind {
  try {
    const stats = fstatSync(0);
    return stats.isFIFO() || stats.isSocket() ? 'pipe' : stats.isFile() ? 'file' : 'other';
  } catch {
    return 'other';
  }
}
