/**
 * Files and stdin that flags read as the command line is parsed (-d @FILE,
 * -H @FILE, -T FILE, @-): read at once, so a missing file is a usage error
 * before anything is sent; stdin is read once, by one flag.
 */
import { readFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { UsageError, fileErrorWords } from '../errors.js';

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

/** A flag's @FILE, read now, so a missing file is a usage error before anything is sent. */
export function readFlagFile(flag: string, path: string): Buffer {
  // -T takes a path, the others @PATH: each names stdin as curl does.
  if (path === '-') return readStdinOnce(flag === '-T' ? '-T -' : `${flag} @-`);
  try {
    return readFileSync(path);
  } catch (error) {
    // An empty name is most often an unset shell variable (-d @$FILE); a glob is curl's (-T '{a,b}'), not taken here.
    const hint = path === '' ? ' (an empty file name: an unset shell variable?)' : flag === '-T' && /[{[]/.test(path) ? ' (-T takes one file: curl\'s {a,b} and [1-3] globs are not expanded)' : '';
    throw new UsageError(`Cannot read ${flag} file ${JSON.stringify(path)}: ${fileErrorWords(error)}${hint}`, { cause: error });
  }
}

/** @- as curl reads it: stdin to its end, once (a pipe, a file, or a terminal until Ctrl-D). */
function readStdinOnce(flag: string): Buffer {
  if (stdinReadBy !== undefined) throw new UsageError(`${flag} reads stdin, which ${stdinReadBy} has read already: name a file for one of them`);
  stdinReadBy = flag;
  // At a terminal the run would wait without a word until Ctrl-D (curl's does): say what it waits for.
  if (isatty(0)) process.stderr.write(`bulkfetch: reading ${flag} from the terminal (Ctrl-D to end)\n`);
  try {
    return readFileSync(0);
  } catch (error) {
    throw new UsageError(`Cannot read ${flag} from stdin: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
  }
}
