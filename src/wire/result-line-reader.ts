import { readLineNumber } from './result-line.js';
import type { WorkerStats } from './stats.js';
import { TALLY_MARK, decodeTallyLine, recountAfterTally } from './tally-line.js';

const NEWLINE = 0x0a;

/**
 * Splits a child's output into whole lines and reads each line's record number
 * straight off its bytes, so the parent never parses the JSON it forwards. A
 * partial line is kept until its end arrives: whole lines are the unit of
 * everything the parent writes. A child that dies mid-line gets a new reader.
 *
 * The child's tally lines (see tally-line.ts) are taken out of what is
 * returned; the reader keeps the latest and the result lines after it, from
 * which counted() rebuilds the counters of a child that died before its report.
 */
export class ResultLineReader {
  /** The start of a line whose end has not come: its chunks, joined once when it does (a 50 MB body is one line). */
  #partial: Buffer[] = [];
  /**
   * The latest tally line's bytes (a copy, without its newline), decoded only by counted(): a child that ends well
   * reports over IPC and its tallies are never read, and decoding each as it came was about 0.15 µs a result line
   * of the parent's CPU (a 1.7 KB tally every 200 lines or so: bench/CHANGELOG.md, entry 91).
   */
  #tally: Buffer | undefined;
  /** Result lines returned since the latest tally (bounded by the child's tally pace). */
  #sinceTally: Buffer[] = [];

  /** Returns the whole result lines in `chunk` (and before it) as one buffer, plus their record numbers. */
  push(chunk: Buffer, lineNumbers: number[]): Buffer | null {
    // Only the new chunk is searched: a long line searched and copied whole at each of its chunks cost the
    // square of its length (a 50 MB body: a minute of CPU).
    const lastInChunk = chunk.lastIndexOf(NEWLINE);
    if (lastInChunk === -1) {
      this.#partial.push(chunk);
      return null;
    }
    let data = chunk;
    let lastNewline = lastInChunk;
    if (this.#partial.length > 0) {
      const before = this.#partial.reduce((bytes, part) => bytes + part.length, 0);
      data = Buffer.concat([...this.#partial, chunk]);
      lastNewline += before;
      this.#partial = [];
    }
    if (lastNewline < data.length - 1) this.#partial.push(Buffer.from(data.subarray(lastNewline + 1)));
    const whole = data.subarray(0, lastNewline + 1);
    // The result lines before each tally in this chunk, when it holds one: what is returned is those joined.
    let before: Buffer[] | undefined;
    let from = 0;
    let start = 0;
    while (start < whole.length) {
      const end = whole.indexOf(NEWLINE, start);
      if (whole[start] === TALLY_MARK) {
        this.#tally = Buffer.from(whole.subarray(start, end));
        this.#sinceTally = [];
        (before ??= []).push(whole.subarray(from, start));
        from = end + 1;
      } else {
        lineNumbers.push(readLineNumber(whole, start));
      }
      start = end + 1;
    }
    const afterTally = whole.subarray(from);
    if (afterTally.length > 0) this.#sinceTally.push(afterTally);
    if (before === undefined) return whole;
    const results = Buffer.concat([...before, afterTally]);
    return results.length === 0 ? null : results;
  }

  /** The counters of every result line returned so far: the latest tally plus the lines after it, recounted. */
  counted(): WorkerStats {
    const tally = this.#tally;
    return recountAfterTally(tally === undefined ? undefined : decodeTallyLine(tally, 0, tally.length), this.#sinceTally);
  }
}
