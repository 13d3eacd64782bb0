import { existsSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** What the command line names as the run's input: a file ('-' for stdin), or the URLs themselves. */
export type InputArguments = { path: string; urls?: undefined } | { path: '-'; urls: string[] };

const URL_ARGUMENT = /^https?:\/\//i;

/**
 * A curl user's first command is `bulkfetch https://…`: URLs on the command
 * line are the input, one record each, in order. One argument that names an
 * existing file is that file, even one called `http://…`; nothing is stdin.
 * A mix of URLs and file names is refused: which one was meant is not clear.
 */
export function inputArguments(args: readonly string[]): InputArguments {
  const [first] = args;
  if (first === undefined) return { path: '-' };
  if (args.length === 1 && (!URL_ARGUMENT.test(first) || existsSync(first))) return { path: first };
  if (args.every((arg) => URL_ARGUMENT.test(arg))) return { path: '-', urls: [...args] };
  throw new UsageError(`Expected one input file (or - for stdin), or URLs, got ${args.length} arguments: ${args.map((arg) => JSON.stringify(arg)).join(' ')}`);
}
