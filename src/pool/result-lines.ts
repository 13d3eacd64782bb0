const PREFIX = Buffer.from('{"line":');
const NEWLINE = 0x0a;

/**
 * Splits a child's output into whole lines and reads each line's record number
 * straight off its bytes (`{"line":N,` is always first), so the parent never
 * parses the JSON it forwards. A partial line is kept until its end arrives:
 * whole lines are the unit of everything the parent writes.
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

  /** Drops a torn last line (its child died mid-write); the record is re-sent anyway. */
  reset(): void {
    this.#remainder = null;
  }
}

/** The record number N of the result line starting at `start` (`{"line":N,`). */
export function readLineNumber(buf: Buffer, start: number): number {
  let i = start + PREFIX.length;
  let n = 0;
  for (let c = buf[i]; c !== undefined && c >= 0x30 && c <= 0x39; c = buf[++i]) n = n * 10 + (c - 0x30);
  return n;
}

const NO_ERROR_END = Buffer.from('"error":null}\n');

/**
 * Counts the lines in `lines` (whole result lines) whose `error` is not null.
 * `error` is always the last field, so a line without one ends in
 * `"error":null}`: a byte compare per line, no JSON parse.
 */
export function countErrorLines(lines: Buffer): number {
  let errors = 0;
  let end = lines.indexOf(NEWLINE);
  while (end !== -1) {
    const tail = end + 1 - NO_ERROR_END.length;
    if (tail < 0 || lines.compare(NO_ERROR_END, 0, NO_ERROR_END.length, tail, end + 1) !== 0) errors += 1;
    end = lines.indexOf(NEWLINE, end + 1);
  }
  return errors;
}
