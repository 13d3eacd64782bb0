import { ReadStream, fstatSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';

/**
 * True when `input` is a regular file of at most `maxBytes` (known before a
 * line is read); false for stdin, pipes, other streams and larger files.
 */
export function isSmallFile(input: Readable, maxBytes: number): boolean {
  // fd: set when the stream was opened from one (as openInput does), not typed by @types/node
  const fd = input instanceof ReadStream ? (input as ReadStream & { fd?: unknown }).fd : undefined;
  if (typeof fd !== 'number') return false;
  try {
    const stat = fstatSync(fd);
    return stat.isFile() && stat.size <= maxBytes;
  } catch {
    return false;
  }
}

/**
 * True for a path a second reader can go over on its own, from its start: a
 * regular file. Not stdin, a pipe or FIFO (`<(zcat urls.gz)`: its head is gone
 * once read, and opening one again can wait for a writer forever), a device
 * (/dev/null) or a directory.
 */
export function isRegularFile(path: string): boolean {
  if (path === '-') return false;
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
