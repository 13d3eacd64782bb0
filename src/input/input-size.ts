import { ReadStream, fstatSync } from 'node:fs';
import type { Readable } from 'node:stream';

/**
 * The size of `input` when it is a regular file (known before a line is
 * read); undefined for stdin, pipes and other streams.
 */
export function regularFileSize(input: Readable): number | undefined {
  // fd: set when the stream was opened from one (as openInput does), not typed by @types/node
  const fd = input instanceof ReadStream ? (input as ReadStream & { fd?: unknown }).fd : undefined;
  if (typeof fd !== 'number') return undefined;
  try {
    const stat = fstatSync(fd);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}
