import { readLineNumber } from './result-line.js';

const NEWLINE = 0x0a;

/**
 * Splits a child's output into whole lines and reads each line's record number
 * straight off its bytes, so the parent never parses the JSON it forwards. A
 * partial line is kept until its end arrives: whole lines are the unit of
 * everything the parent writes. A child that dies mid-line gets a new reader.
 */
export class ResultLineReader {
  #remainder: Buffer | null = null;

  /** Returns the whole lines in `chunk` (and before it) as one buffer, plus their record numbers. */
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
    let start = 0;
    while (start < whole.length) {
      lineNumbers.push(readLineNumber(whole, start));
      start = whole.indexOf(NEWLINE, start) + 1;
    }
    return whole;
  }
}
