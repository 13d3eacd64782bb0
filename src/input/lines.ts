import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { percentEncodedLine } from './non-utf8.js';
import { utf8Chunks } from './utf8-chunks.js';

/** One physical input line. `text` is absent when the line exceeded the cap. */
export interface InputLine {
  /** 1-based line number in the input, counting blank and comment lines. */
  line: number;
  /** The decoded line without its `\n`, trailing `\r` or leading byte order mark; null when too long. */
  text: string | null;
  /** Byte length of the line as read (before the cap cut it off), without a CRLF line's \r. */
  bytes: number;
  /**
   * Set when the line's bytes are not UTF-8: `text` then has every byte from 0x80 up as `%XX` (see non-utf8.ts).
   * 'utf-16': the input is UTF-16, and a code unit of this line did not decode (utf8-chunks.ts).
   */
  notUtf8?: true | 'utf-16';
}

export interface ReadLinesOptions {
  /** Lines longer than this many bytes are reported with `text: null` and never buffered whole. */
  maxLineBytes: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const HASH = 0x23;

/** What String.prototype.trim() takes off an ASCII line: a line of only these is blank. */
export const isBlankByte = (byte: number): boolean => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
const NO_BYTES = Buffer.alloc(0);

/** One chunk's lines, taken one at a time: each is decoded only when taken. */
export interface LineCursor {
  /** The next whole line, or undefined when the chunk has no more. */
  next(): InputLine | undefined;
  /**
   * Takes the next line without decoding it, when it lies whole in this chunk
   * and within the cap: true, and its bytes (without the newline or a
   * trailing `\r`) are `chunk[spanStart, spanEnd)`. False when the next line
   * needs next() (it began in an earlier chunk, it passes the cap, or the
   * chunk has no more): nothing is taken then.
   */
  nextSpan(): boolean;
  readonly chunk: Buffer;
  readonly spanStart: number;
  readonly spanEnd: number;
  /** The 1-based line number of the line nextSpan() took last. */
  readonly spanLine: number;
  /** The input is UTF-16 (it began with its byte order mark), decoded to UTF-8 for the splitting. */
  readonly fromUtf16: boolean;
}

/**
 * Splits a byte stream (UTF-8, or UTF-16 with a byte order mark: see
 * utf8Chunks) into lines, one cursor per chunk read, so that a 10M-line file
 * costs one await per chunk, not per line.
 *
 * A cursor rather than an array of the chunk's lines: an array holds every
 * line of a 256 KB chunk (thousands of objects and strings) until the last is
 * routed, and the run waits for room in a child's window with it, so each
 * scavenge in between copied them all and then promoted them. Taken one at a
 * time, a line is garbage by the next scavenge (bench/CHANGELOG.md, entry 37).
 * Take a cursor's lines before asking for the next chunk: they share the
 * splitter's state.
 *
 * Only `\n` splits: one trailing `\r` is stripped, a lone `\r` inside a line stays.
 * Memory is bounded by the chunk size plus `maxLineBytes`, whatever the input.
 */
export async function* readLineChunks(stream: Readable, options: ReadLinesOptions): AsyncGenerator<LineCursor> {
  const splitter = new LineSplitter(options);
  const fromUtf16 = (): void => {
    splitter.fromUtf16 = true;
  };
  for await (const chunk of utf8Chunks(stream, fromUtf16)) yield splitter.load(chunk);
  if (splitter.finish()) yield splitter;
}

/** readLineChunks with each chunk's lines in an array, for readers that keep none of them long. */
export async function* readLineBatches(stream: Readable, options: ReadLinesOptions): AsyncGenerator<InputLine[]> {
  for await (const lines of readLineChunks(stream, options)) {
    const batch: InputLine[] = [];
    for (let line = lines.next(); line !== undefined; line = lines.next()) batch.push(line);
    if (batch.length > 0) yield batch;
  }
}

/**
 * The splitting itself, a line at a time, outside the generator, which only
 * awaits and yields: V8 compiles this plain method rather than the generator
 * with its loop (compiled four times in a 100k run when the loop was in it).
 */
class LineSplitter implements LineCursor {
  readonly #maxLineBytes: number;
  /** The last byte of an overlong line seen so far: a CRLF line's \r is not counted in its length. */
  #lastByte = -1;
  #lineNumber = 0;
  #partial: Buffer[] = [];
  #partialBytes = 0;
  /** The current line passed the cap: drop bytes until its end. */
  #overflowing = false;
  /** With #overflowing: the line's first byte other than blanks (-1: none yet), which tells a comment or blank line from a record. */
  #overflowLead = -1;
  /** The chunk being split, and where its next line starts. */
  chunk: Buffer = NO_BYTES;
  #start = 0;
  /** The line nextSpan() took last. */
  spanStart = 0;
  spanEnd = 0;
  spanLine = 0;
  /** The input ended without a newline after its last line, which is still to be taken. */
  #lastUnterminated = false;
  fromUtf16 = false;

  constructor({ maxLineBytes }: ReadLinesOptions) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** Starts on a new chunk: the lines that end in it, then its tail kept for the next. */
  load(chunk: Buffer): LineCursor {
    this.chunk = chunk;
    this.#start = 0;
    return this;
  }

  /** The input ended: true when a last line without a newline remains, for next() to return. */
  finish(): boolean {
    this.chunk = NO_BYTES;
    this.#start = 0;
    this.#lastUnterminated = this.#partialBytes > 0 || this.#overflowing;
    return this.#lastUnterminated;
  }

  nextSpan(): boolean {
    if (this.#lastUnterminated || this.#partialBytes > 0 || this.#overflowing) return false;
    const start = this.#start;
    const nl = this.chunk.indexOf(NEWLINE, start);
    if (nl === -1) return false;
    let end = nl;
    if (end > start && this.chunk[end - 1] === CARRIAGE_RETURN) end -= 1;
    // The cap is on the line, not on a CRLF file's \r (a line of exactly the cap is taken either way).
    if (end - start > this.#maxLineBytes) return false;
    this.#lineNumber += 1;
    this.#start = nl + 1;
    this.spanStart = start;
    this.spanEnd = end;
    this.spanLine = this.#lineNumber;
    return true;
  }

  next(): InputLine | undefined {
    // The common case: a line whole in this chunk and within the cap.
    if (this.nextSpan()) {
      return decodedLine(this.#lineNumber, this.chunk, this.spanStart, this.spanEnd, this.#start - 1 - this.spanStart, this.fromUtf16);
    }
    if (this.#lastUnterminated) {
      this.#lastUnterminated = false;
      return this.#finish(null);
    }
    const chunk = this.chunk;
    const start = this.#start;
    const nl = chunk.indexOf(NEWLINE, start);
    if (nl === -1) {
      this.#keepTail(start);
      return undefined;
    }
    this.#start = nl + 1;
    const pieceBytes = nl - start;
    const piece = chunk.subarray(start, nl);
    // One byte over the cap may be a CRLF line's \r: #finish tells.
    if (!this.#overflowing && this.#partialBytes + pieceBytes > this.#maxLineBytes + 1) this.#overflow(piece);
    if (this.#overflowing) {
      this.#noteLead(piece);
      this.#partialBytes += pieceBytes;
      if (pieceBytes > 0) this.#lastByte = piece[pieceBytes - 1] as number;
      return this.#finish(null);
    }
    // The end of a line that began in an earlier chunk (the only case that needs the bytes as a Buffer).
    return this.#finish(chunk.subarray(start, nl));
  }

  /** Keeps the chunk's bytes after its last newline (the start of a line the next chunk ends). */
  #keepTail(start: number): void {
    const chunk = this.chunk;
    this.chunk = NO_BYTES;
    this.#start = 0;
    if (start >= chunk.length) return;
    const rest = chunk.subarray(start);
    this.#partialBytes += rest.length;
    this.#lastByte = rest[rest.length - 1] as number;
    if (this.#overflowing) {
      this.#noteLead(rest);
    } else if (this.#partialBytes > this.#maxLineBytes + 1) {
      this.#overflow(rest);
    } else {
      // Copy: the stream may reuse its buffer, and we keep this past the chunk.
      this.#partial.push(Buffer.from(rest));
    }
  }

  /** The line passed the cap: what it held so far is dropped, once its first byte other than blanks is known. */
  #overflow(piece: Buffer): void {
    this.#overflowing = true;
    this.#overflowLead = -1;
    for (const part of this.#partial) this.#noteLead(part);
    this.#noteLead(piece);
    this.#partial = [];
  }

  #noteLead(bytes: Buffer): void {
    if (this.#overflowLead === -1) this.#overflowLead = leadByte(bytes);
  }

  #finish(tail: Buffer | null): InputLine {
    this.#lineNumber += 1;
    const bytes = this.#partialBytes + (tail?.length ?? 0);
    let line: InputLine;
    if (this.#overflowing) {
      // As the cap counts it: a CRLF line's \r is not the line's (it said 65,538 bytes of a 65,537-byte line).
      line = overlongLine(this.#lineNumber, this.#lastByte === CARRIAGE_RETURN ? bytes - 1 : bytes, this.#overflowLead);
    } else {
      let buf = tail ?? Buffer.alloc(0);
      if (this.#partial.length > 0) buf = Buffer.concat(tail ? [...this.#partial, tail] : this.#partial);
      let end = buf.length;
      if (end > 0 && buf[end - 1] === CARRIAGE_RETURN) end -= 1;
      line = end > this.#maxLineBytes ? overlongLine(this.#lineNumber, end, leadByte(buf)) : decodedLine(this.#lineNumber, buf, 0, end, bytes, this.fromUtf16);
    }
    this.#partial = [];
    this.#partialBytes = 0;
    this.#overflowing = false;
    return line;
  }
}

/** The first byte of `bytes` other than blanks, or -1 when they are all blank. */
function leadByte(bytes: Buffer): number {
  for (const byte of bytes) if (!isBlankByte(byte)) return byte;
  return -1;
}

/**
 * A line past the cap: too long to be a record (text null, ELINETOOLONG), unless
 * it is a comment or blank, which is skipped at any length as a short one is (a
 * generated list's long header comment was an error record, and failed -f).
 */
function overlongLine(line: number, bytes: number, lead: number): InputLine {
  if (lead === HASH) return { line, text: '#', bytes };
  if (lead === -1) return { line, text: '', bytes };
  return { line, text: null, bytes };
}

/**
 * A line's bytes as text: UTF-8, or, when they are not UTF-8, with every byte
 * from 0x80 up as `%XX` and `notUtf8` set, never with U+FFFD put in (non-utf8.ts).
 * Only a line that decodes to U+FFFD is checked, so a UTF-8 line pays nothing.
 */
export function decodedLine(line: number, chunk: Buffer, start: number, end: number, bytes: number, fromUtf16 = false): InputLine {
  const text = chunk.toString('utf8', start, end);
  if (!text.includes('\uFFFD')) return { line, text, bytes };
  const raw = chunk.subarray(start, end);
  return isUtf8(raw) ? { line, text, bytes } : { line, text: percentEncodedLine(raw), bytes, notUtf8: fromUtf16 ? 'utf-16' : true };
}
