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
  let last = NEWLINE;
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024, ...(signal ? { signal } : {}) });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) lines += 1;
    if (chunk.length > 0) last = chunk[chunk.length - 1]!;
  }
  return last === NEWLINE ? lines : lines + 1;
}
