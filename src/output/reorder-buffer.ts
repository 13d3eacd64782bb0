import { once } from 'node:events';
import { Writable } from 'node:stream';
import { readLineNumber } from '../wire/result-line.js';

export interface ReorderBufferOptions {
  /** Records admitted but not yet written, at most. */
  maxRecords: number;
  /** Held (out-of-order) result bytes above which intake pauses; also what the records admitted may take, by their estimated size. */
  maxBytes: number;
  /** The size a result line is taken to have before any is seen (the run's largest body): none, no bound from sizes until lines come. */
  firstLineGuess?: number;
}

/** Records admitted however large lines are: a few per child keep a run with huge bodies moving. */
const MIN_ADMITTED = 16;
/** How fast the estimate follows lines that grow: about the last this many lines weigh. */
const RECENT_LINES = 16;

const NEWLINE = 0x0a;

/**
 * --ordered: a Writable that takes whole result lines in completion order and
 * writes them to `downstream` in input order.
 *
 * The parent admit()s every record, in input order, before it is sent; results
 * that arrive ahead of their turn are held. Intake stops (hasRoom() false) when
 * `maxRecords` are admitted and unwritten or `maxBytes` are held, so memory is
 * bounded: one slow record at the head stalls the run once the buffer is full,
 * which is the price of order.
 *
 * Held bytes alone do not bound it: records admitted before the head stalled
 * are answered all the same, and with 1 MiB bodies the children's windows
 * (`--procs x (4 x --concurrency + 32)` records) brought 1.26 GB here. So no more
 * records are admitted than `maxBytes` holds at the line size seen so far (the
 * mean with a first guess, or the recent mean when lines grow): 64 MiB takes
 * 65,536 lines of 1 KiB (the record bound applies first) but 64 of 1 MiB.
 */
export class ReorderBuffer extends Writable {
  readonly #downstream: Writable;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  /** Admitted record numbers in input order; those before #head are written. */
  #order: number[] = [];
  #head = 0;
  readonly #held = new Map<number, Buffer>();
  #heldBytes = 0;
  #roomWaiters: Array<() => void> = [];
  /** Lines seen and their bytes, the guess counted as one; and the recent mean, for lines that grow. */
  #linesSeen: number;
  #bytesSeen: number;
  #recentLineBytes = 0;
  /** Records that may be admitted and unwritten at once: maxRecords, or fewer where lines are large. */
  #admitCap: number;

  constructor(downstream: Writable, { maxRecords, maxBytes, firstLineGuess }: ReorderBufferOptions) {
    super({ highWaterMark: 64 * 1024 });
    this.#downstream = downstream;
    this.#maxRecords = maxRecords;
    this.#maxBytes = maxBytes;
    this.#linesSeen = firstLineGuess === undefined ? 0 : 1;
    this.#bytesSeen = firstLineGuess ?? 0;
    this.#admitCap = this.#capForLineSize();
  }

  /** Records admitted and not written yet. */
  get outstanding(): number {
    return this.#order.length - this.#head;
  }

  hasRoom(): boolean {
    return this.outstanding < this.#admitCap && this.#heldBytes < this.#maxBytes;
  }

  /** Resolves once another record may be admitted. */
  waitForRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /** Record `line` will be answered; its result is written after every record admitted before it. */
  admit(line: number): void {
    this.#order.push(line);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const ready: Buffer[] = [];
    let start = 0;
    while (start < chunk.length) {
      let end = chunk.indexOf(NEWLINE, start);
      end = end === -1 ? chunk.length : end + 1;
      const line = readLineNumber(chunk, start);
      const text = chunk.subarray(start, end);
      this.#sawLine(text.length);
      if (line === this.#order[this.#head]) {
        ready.push(text);
        this.#head += 1;
        this.#releaseHeld(ready);
      } else {
        // Copied: a slice would keep the child's whole read chunk alive.
        this.#held.set(line, Buffer.from(text));
        this.#heldBytes += text.length;
      }
      start = end;
    }
    this.#compact();
    this.#send(ready, done);
  }

  /** Writes whatever is still held, in input order (records never answered are skipped); resolves when downstream took it. */
  async drainAll(): Promise<void> {
    if (!this.writableFinished && !this.writableEnded) {
      this.end();
      await once(this, 'finish');
    }
    if (this.#downstream.writableNeedDrain && !this.#downstream.destroyed) await new Promise<void>((resolve) => this.#whenDrained(resolve));
  }

  override _final(done: (error?: Error | null) => void): void {
    const rest: Buffer[] = [];
    for (; this.#head < this.#order.length; this.#head++) {
      const text = this.#held.get(this.#order[this.#head]!);
      if (text) rest.push(text);
      this.#held.delete(this.#order[this.#head]!);
    }
    for (const line of [...this.#held.keys()].sort((a, b) => a - b)) rest.push(this.#held.get(line)!);
    this.#held.clear();
    this.#heldBytes = 0;
    this.#send(rest, done);
  }

  #releaseHeld(ready: Buffer[]): void {
    for (let next = this.#order[this.#head]; next !== undefined; next = this.#order[this.#head]) {
      const text = this.#held.get(next);
      if (!text) return;
      this.#held.delete(next);
      this.#heldBytes -= text.length;
      ready.push(text);
      this.#head += 1;
    }
  }

  #sawLine(bytes: number): void {
    this.#linesSeen += 1;
    this.#bytesSeen += bytes;
    this.#recentLineBytes += (bytes - this.#recentLineBytes) / RECENT_LINES;
  }

  #capForLineSize(): number {
    const lineBytes = Math.max(this.#linesSeen === 0 ? 0 : this.#bytesSeen / this.#linesSeen, this.#recentLineBytes);
    if (lineBytes === 0) return this.#maxRecords;
    return Math.min(this.#maxRecords, Math.max(MIN_ADMITTED, Math.floor(this.#maxBytes / lineBytes)));
  }

  /** Drops written entries from the front of #order now and then, so it never grows past the bound. */
  #compact(): void {
    this.#admitCap = this.#capForLineSize();
    if (this.#head > 4096 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
    while (this.#roomWaiters.length > 0 && this.hasRoom()) this.#roomWaiters.shift()?.();
  }

  #send(ready: Buffer[], done: (error?: Error | null) => void): void {
    // A failed output never drains: the CLI learns of it from downstream's own 'error'.
    if (ready.length === 0 || this.#downstream.destroyed) {
      done();
      return;
    }
    if (this.#downstream.write(ready.length === 1 ? ready[0]! : Buffer.concat(ready))) done();
    else this.#whenDrained(() => done());
  }

  /** Calls `then` once downstream drains, or closes (a failed output never drains). */
  #whenDrained(then: () => void): void {
    const settle = (): void => {
      this.#downstream.off('drain', settle);
      this.#downstream.off('close', settle);
      then();
    };
    this.#downstream.on('drain', settle);
    this.#downstream.on('close', settle);
  }
}
