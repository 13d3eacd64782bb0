import type { Readable } from 'node:stream';
import { utf8Chunks } from './utf8-chunks.js';

/** One physical input line. `text` is absent when the line exceeded the cap. */
export interface InputLine {
  /** 1-based line number in the input, counting blank and comment lines. */
  line: number;
  /** The decoded line without its `\n`, trailing `\r` or leading byte order mark; null when too long. */
  text: string | null;
  /** Byte length of the line as read (before the cap cut it off). */
  bytes: number;
}

export interface ReadLinesOptions {
  /** Lines longer than this many bytes are reported with `text: null` and never buffered whole. */
  maxLineBytes: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Splits a byte stream (UTF-8, or UTF-16 with a byte order mark: see
 * utf8Chunks) into lines, yielding them in batches (one batch per chunk read)
 * so that a 10M-line file costs one await per chunk, not per line.
 *
 * Only `\n` splits: one trailing `\r` is stripped, a lone `\r` inside a line stays.
 * Memory is bounded by the chunk size plus `maxLineBytes`, whatever the input.
 */
export async function* readLineBatches(
  stream: Readable,
  { maxLineBytes }: ReadLinesOptions,
): AsyncGenerator<InputLine[]> {
  let lineNumber = 0;
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let overflowing = false; // the current line passed the cap: drop bytes until its end

  const finish = (tail: Buffer | null, batch: InputLine[]): void => {
    lineNumber += 1;
    const bytes = partialBytes + (tail?.length ?? 0);
    if (overflowing) {
      batch.push({ line: lineNumber, text: null, bytes });
    } else {
      let buf = tail ?? Buffer.alloc(0);
      if (partial.length > 0) buf = Buffer.concat(tail ? [...partial, tail] : partial);
      let end = buf.length;
      if (end > 0 && buf[end - 1] === CARRIAGE_RETURN) end -= 1;
      batch.push({ line: lineNumber, text: buf.toString('utf8', 0, end), bytes });
    }
    partial = [];
    partialBytes = 0;
    overflowing = false;
  };

  for await (const chunk of utf8Chunks(stream)) {
    const batch: InputLine[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      const pieceBytes = nl - start;
      if (!overflowing && partialBytes + pieceBytes > maxLineBytes) {
        overflowing = true;
        partial = [];
      }
      if (overflowing) {
        partialBytes += pieceBytes;
        finish(null, batch);
      } else if (partial.length === 0) {
        lineNumber += 1;
        let end = nl;
        if (end > start && chunk[end - 1] === CARRIAGE_RETURN) end -= 1;
        batch.push({ line: lineNumber, text: chunk.toString('utf8', start, end), bytes: nl - start });
      } else {
        // The end of a line that began in an earlier chunk (the only case that needs the bytes as a Buffer).
        finish(chunk.subarray(start, nl), batch);
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      partialBytes += rest.length;
      if (!overflowing && partialBytes > maxLineBytes) {
        overflowing = true;
        partial = [];
      } else if (!overflowing) {
        // Copy: the stream may reuse its buffer, and we keep this past the chunk.
        partial.push(Buffer.from(rest));
      }
    }
    if (batch.length > 0) yield batch;
  }
  if (partialBytes > 0 || overflowing) {
    const batch: InputLine[] = [];
    finish(null, batch);
    yield batch;
  }
}
