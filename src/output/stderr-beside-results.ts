import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';

/**
 * stderr for a run whose result lines go into the same pipe (`bulkfetch urls.txt 2>&1 | tee run.log`). The
 * results go out through an async socket on fd 1, a line at a time as the pipe takes it: behind a slow reader
 * a batch is written in pieces. A message written to fd 2 meanwhile (a stop's notice, a progress line, a child's
 * crash) landed between two pieces, inside a result line, and jq stopped there. Here such messages join the
 * results' queue, between whole lines; once the results are ended they go to stderr itself.
 */
export function stderrBesideResults(stderr: Writable, sink: Writable): Writable {
  if (!(sink instanceof Socket) || !sharePipe(1, 2)) return stderr;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (sink.writableEnded || sink.destroyed) stderr.write(chunk, () => callback());
      else sink.write(chunk, () => callback());
    },
  });
}

function sharePipe(a: number, b: number): boolean {
  try {
    const first = fstatSync(a);
    const second = fstatSync(b);
    return (first.isFIFO() || first.isSocket()) && first.dev === second.dev && first.ino === second.ino;
  } catch {
    return false;
  }
}
