/**
 * Files and stdin that flags read as the command line is parsed (-d @FILE,
 * -H @FILE, -T FILE, @-): read at once, so a missing file is a usage error
 * before anything is sent; stdin is read once, by one flag.
 */
import { readFileSync, statSync } from 'node:fs';
import { isatty } from 'node:tty';
import { UsageError, fileErrorWords } from '../errors.js';
import { formatCount } from '../output/format-count.js';
import { stdinClosedAtLaunch } from '../input/closed-stdin.js';
import { descriptorNamed } from '../input/descriptor-name.js';

/**
 * The flag whose @- read stdin (curl's habit: `printf 'a=1' | curl -d @- URL`),
 * if one did, as it was written ('-d @-', '-T -'). Module state, as stdin is
 * the process's: read once, by one flag.
 */
let stdinReadBy: string | undefined;

/**
 * The flag that read stdin as its @-, for the CLI to refuse it when stdin is
 * the input as well (the URLs would have been read as the body).
 */
export function flagThatReadStdin(): string | undefined {
  return stdinReadBy;
}

/** A file a flag reads, and the flag as written (`-d @body.json`, `-T file`). */
export interface FileReadByFlag {
  path: string;
  written: string;
}

/** The files flags have read, for the CLI to refuse -o or --summary naming one: writing it empties it. */
const filesRead: FileReadByFlag[] = [];

export function flagFilesRead(): readonly FileReadByFlag[] {
  return filesRead;
}

/** A flag's @FILE, read now, so a missing file is a usage error before anything is sent. */
export function readFlagFile(flag: string, path: string): Buffer {
  const written = flag === '-T' ? `-T ${path}` : `${flag} @${path}`;
  // -T takes a path, the others @PATH: each names stdin as curl does. /dev/stdin is stdin too: read as a file,
  // it took a piped list as the body and left no records (0 sent, exit 0), or sent a list on stdin as one.
  const fromStdin = path === '-' || descriptorNamed(path) === 0;
  const bytes = fromStdin ? readStdinOnce(written) : readNamedFile(flag, path);
  // Stdin by the file it is redirected from (`-d @- -o body < body` emptied the body): /dev/stdin leads to it.
  filesRead.push({ path: fromStdin ? '/dev/stdin' : path, written });
  return bytes;
}

function readNamedFile(flag: string, path: string): Buffer {
  try {
    // Told before it is read where its size is known; a pipe (`@<(...)`) tells only once read.
    const size = statSync(path).size;
    if (size > MAX_FLAG_FILE_BYTES) throw tooLarge(`${flag} file ${JSON.stringify(path)}`, size);
    const bytes = readFileSync(path);
    if (bytes.length > MAX_FLAG_FILE_BYTES) throw tooLarge(`${flag} file ${JSON.stringify(path)}`, bytes.length);
    return bytes;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ERR_FS_FILE_TOO_LARGE') throw tooLarge(`${flag} file ${JSON.stringify(path)}`);
    // An empty name is most often an unset shell variable (-d @$FILE); a glob is curl's (-T '{a,b}'), not taken here.
    const hint = path === '' ? ' (an empty file name: an unset shell variable?)'
      : /^[a-z][a-z0-9+.-]*:\/\//i.test(path) ? ` (a URL: ${flag} takes a file${flag === '-T' ? '' : ' after its @'}, and the URL is an argument of its own: ${flag === '-T' ? '-T FILE URL' : `${flag} @FILE URL`})`
      : flag === '-T' && /[{[]/.test(path) ? ' (-T takes one file: curl\'s {a,b} and [1-3] globs are not expanded)' : '';
    throw new UsageError(`Cannot read ${flag} file ${JSON.stringify(path)}: ${fileErrorWords(error)}${hint}`, { cause: error });
  }
}

/** @- as curl reads it: stdin to its end, once (a pipe, a file, or a terminal until Ctrl-D). */
function readStdinOnce(flag: string): Buffer {
  if (stdinReadBy !== undefined) throw new UsageError(`${flag} reads stdin, which ${stdinReadBy} has read already: name a file for one of them`);
  stdinReadBy = flag;
  // Node opened /dev/null in its place: an empty body for every record, exit 0.
  if (stdinClosedAtLaunch()) throw new UsageError(`${flag} reads stdin, which is closed (<&-): name a file, or give the value as an argument`);
  // At a terminal the run would wait without a word until Ctrl-D (curl's does): say what it waits for.
  if (isatty(0)) process.stderr.write(`bulkfetch: reading ${flag} from the terminal (Ctrl-D to end)\n`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_FS_FILE_TOO_LARGE') throw tooLarge(`${flag} (stdin)`);
    throw new UsageError(`Cannot read ${flag} from stdin: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
  }
  if (bytes.length > MAX_FLAG_FILE_BYTES) throw tooLarge(`${flag} (stdin)`, bytes.length);
  return bytes;
}

/**
 * The most a flag's file (a body for every record, -H's headers) may hold, and the body the flags give in all
 * (body-flags.ts, bodyData). The body goes to each child whole, in its config (JSON: NUL bytes take six characters
 * there), and each holds it: 100 MB of NULs passed V8's longest string and was an internal error with a trace,
 * then a hang; 600 MB was one as it was read.
 */
export const MAX_FLAG_FILE_BYTES = 64 * 1024 * 1024;

/** The usage error for `what` (a file, stdin, the body in all) at `size` bytes, or past 2 GiB when Node would not say. */
export function tooLarge(what: string, size?: number): UsageError {
  const held = size === undefined ? 'over 2 GiB' : `${formatCount(size)} bytes`;
  return new UsageError(`${what} holds ${held}: a body or header file given by a flag, and the body the flags give, are at most 64 MiB (67,108,864 bytes: each child process holds the body whole, to send with every record)`);
}
