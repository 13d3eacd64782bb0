import { Transform, finished, type Readable } from 'node:stream';

/**
 * A caller's byte stream of lines, passed on a whole line at a time, ended (not failed) where the stream
 * fails: the lines it gave before are run and answered, and `onFailure` has the error for the run to
 * reject with after them, as an iterable that throws is treated. Its error had gone into the run's
 * reader, which killed the children: every record they held, sent or not, was answered EABORTED.
 *
 * A failure is an error, or a close before the end (a destroy() with no error). The bytes after the last
 * line break are then a line cut short, not a record (`http://exam` would be fetched): dropped, where a
 * normal end passes them on. They are held up to `maxLineBytes`: a longer line is refused as too long whole
 * or cut, so it goes on as it comes.
 */
export function wholeLinesUntilFailure(source: Readable, onFailure: (error: unknown) => void, maxLineBytes: number): Readable {
  let failed = false;
  let released = false;
  let tail: Buffer[] = [];
  let tailBytes = 0;
  const lines = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const cut = chunk.lastIndexOf(10);
      if (cut === -1) {
        tail.push(chunk);
        tailBytes += chunk.length;
        if (tailBytes <= maxLineBytes) return callback();
        const long = Buffer.concat(tail);
        tail = [];
        tailBytes = 0;
        return callback(null, long);
      }
      const whole = tail.length === 0 ? chunk.subarray(0, cut + 1) : Buffer.concat([...tail, chunk.subarray(0, cut + 1)]);
      tail = cut + 1 < chunk.length ? [chunk.subarray(cut + 1)] : [];
      tailBytes = chunk.length - cut - 1;
      callback(null, whole);
    },
    flush(callback) {
      callback(null, failed || tail.length === 0 ? undefined : Buffer.concat(tail));
    },
    destroy(error, callback) {
      // The run destroys its input when it stops: the caller's stream is let go of too, which is no failure of it.
      released = true;
      source.destroy();
      callback(error);
    },
  });
  // An error, or a destroy() with none (a premature close, which 'error' never reports: the run waited forever).
  finished(source, (error) => {
    if (error === undefined || error === null || failed || released) return;
    failed = true;
    onFailure(error);
    // Unpiped first: a stream that goes on writing after its error wrote after this end.
    source.unpipe(lines);
    lines.end();
  });
  source.pipe(lines);
  return lines;
}
