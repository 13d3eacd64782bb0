import { createReadStream, openSync, closeSync, fstatSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';

/**
 * Opens the input named on the command line ('-' is stdin). Checked before any
 * child is forked, so a typo costs one line on stderr and exit 2, not a run.
 */
export function openInput(path: string, stdin: Readable = process.stdin): Readable {
  if (path === '-') return stdin;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code ?? 'cannot open';
    throw new UsageError(`Cannot read input ${JSON.stringify(path)}: ${why}`, { cause: error });
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new UsageError(`Expected an input file, got a directory: ${JSON.stringify(path)}`);
  }
  return createReadStream('', { fd, highWaterMark: 256 * 1024 });
}
