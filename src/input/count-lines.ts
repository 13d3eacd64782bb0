import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

const NEWLINE = 0x0a;

/**
 * Lines in a file (a last line without `\n` counts), for progress totals.
 * One sequential read and a byte scan: a few seconds for a 5 GB file, running
 * alongside the run, which reads the same pages from the cache.
 *
 * Only a regular file is read again (otherwise this rejects): a second reader of
 * a pipe (`<(zcat urls.gz)`, a FIFO, /dev/stdin) takes part of its data from the
 * run, which lost about half its records to it; opening a FIFO whose writer is
 * gone blocks for ever, and /dev/zero never ends.
 */
export async function countLines(path: string, signal?: AbortSignal): Promise<number> {
  if (!(await stat(path)).isFile()) throw new Error(`${path} is not a regular file: its lines are only known by reading them`);
  let lines = 0;
  let last = -1;
  /** Set by a UTF-16 byte order mark (utf8-chunks.ts decodes such a file): which byte of a code unit is its low one. */
  let utf16: 'le' | 'be' | undefined;
  let offset = 0;
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024, ...(signal ? { signal } : {}) });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (offset === 0) utf16 = chunk[0] === 0xff && chunk[1] === 0xfe ? 'le' : chunk[0] === 0xfe && chunk[1] === 0xff ? 'be' : undefined;
    if (utf16 === undefined) {
      for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) lines += 1;
      if (chunk.length > 0) last = chunk[chunk.length - 1]!;
    } else {
      // A newline is the code unit 0x000A (0x0A its low byte, 0x00 its high one): 0x0A alone is half of another character (U+010A).
      const low = utf16 === 'le' ? 0 : 1;
      const high = 1 - 2 * low;
      for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) {
        if ((offset + i) % 2 === low && chunk[i + high] === 0) lines += 1;
      }
      // The last code unit: its two bytes lie in this chunk when it ends on an even offset.
      if (chunk.length >= 2) last = chunk[chunk.length - 2 + low] === NEWLINE && chunk[chunk.length - 1 - low] === 0 ? NEWLINE : 0;
    }
    offset += chunk.length;
  }
  // An empty file has no lines; one whose last line has no newline counts it.
  if (last === -1) return 0;
  return last === NEWLINE ? lines : lines + 1;
}
