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
    // Result lines between tallies: [start, end) pairs, when a tally is in this chunk.
    let kept: number[] | undefined;
    let keptFrom = 0;
    let start = 0;
    while (start < whole.length) {
      const end = whole.indexOf(NEWLINE, start);
      if (whole[start] === TALLY_MARK) {
        this.#tally = decodeTallyLine(whole, start, end);
        this.#sinceTally = [];
        (kept ??= []).push(keptFrom, start);
        keptFrom = end + 1;
      } else {
        lineNumbers.push(readLineNumber(whole, start));
      }
      start = end + 1;
    }
    if (kept === undefined) {
      this.#sinceTally.push(whole);
      return whole;
    }
    const after = whole.subarray(keptFrom);
    if (after.length > 0) this.#sinceTally.push(after);
    kept.push(keptFrom, whole.length);
    const parts: Buffer[] = [];
    for (let i = 0; i < kept.length; i += 2) if ((kept[i + 1] as number) > (kept[i] as number)) parts.push(whole.subarray(kept[i], kept[i + 1]));
    return parts.length === 0 ? null : Buffer.concat(parts);
  }

  /** The counters of every result line returned so far: the latest tally plus the lines after it, recounted. */
  counted(): WorkerStats {
    return recountAfterTally(this.#tally, this.#sinceTally);
  }
}
