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
  #remainder: Buffer | null = null;
  #tally: WorkerStats | undefined;
  /** Result lines returned since the latest tally (bounded by the child's tally pace). */
  #sinceTally: Buffer[] = [];

  /** Returns the whole result lines in `chunk` (and before it) as one buffer, plus their record numbers. */
  push(chunk: Buffer, lineNumbers: number[]): Buffer | null {
    let data = chunk;
    if (this.#remainder) {
      data = Buffer.concat([this.#remainder, chunk]);
      this.#remainder = null;
    }
    const lastNewline = data.lastIndexOf(NEWLINE);
    if (lastNewline === -1) {
      this.#remainder = data;
      return null;
    }
    if (lastNewline < data.length - 1) this.#remainder = Buffer.from(data.subarray(lastNewline + 1));
    const whole = data.subarray(0, lastNewline + 1);
    // The result lines before each tally in this chunk, when it holds one: what is returned is those joined.
    let before: Buffer[] | undefined;
    let from = 0;
    let start = 0;
    while (start < whole.length) {
      const end = whole.indexOf(NEWLINE, start);
      if (whole[start] === TALLY_MARK) {
        this.#tally = decodeTallyLine(whole, start, end);
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
    return recountAfterTally(this.#tally, this.#sinceTally);
  }
}
