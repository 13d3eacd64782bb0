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

function readLineNumber(buf: Buffer, start: number): number {
  let i = start + PREFIX.length;
  let n = 0;
  for (let c = buf[i]; c !== undefined && c >= 0x30 && c <= 0x39; c = buf[++i]) n = n * 10 + (c - 0x30);
  return n;
}
