import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { MAGIC_BYTES, refuseCompressed } from './compressed-input.js';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * What a UTF-16 code unit that does not decode (half a surrogate pair alone, an
 * odd last byte) becomes: a byte no UTF-8 holds, so its line is read as one
 * that is not UTF-8 (lines.ts), and refused for it, never sent with U+FFFD in
 * its place. From UTF-16 input no other such byte comes.
 */
export const UNDECODED_UTF16 = 0xff;

/** A decoder for what follows a UTF-16 byte order mark: UTF-8 bytes a chunk, and what is left at the end. */
interface Utf16Decoder {
  write(chunk: Buffer): Buffer;
  end(): Buffer;
}

/**
 * The input's bytes as UTF-8, without a byte order mark. UTF-8 passes through
 * untouched. A file that starts with a UTF-16 byte order mark (what Windows
 * PowerShell's `>` and `Out-File` write) is decoded, so its lines are URLs and
 * not a NUL between every two characters, each an EINVALIDURL; `onUtf16` is
 * told so before its first line.
 *
 * The mark is looked for in the first three bytes only.
 */
export async function* utf8Chunks(stream: Readable, onUtf16?: () => void): AsyncGenerator<Buffer> {
  let decoder: Utf16Decoder | undefined;
  // The first bytes, held until there are enough to tell a byte order mark or a compressed format.
  let head: Buffer | undefined = Buffer.alloc(0);
  for await (const raw of stream) {
    let chunk: Buffer = typeof raw === 'string' ? Buffer.from(raw) : (raw as Buffer);
    if (head) {
      chunk = head.length > 0 ? Buffer.concat([head, chunk]) : chunk;
      if (chunk.length < MAGIC_BYTES) {
        head = chunk;
        continue;
      }
      head = undefined;
      refuseCompressed(chunk);
      [chunk, decoder] = withoutMark(chunk);
      if (decoder) onUtf16?.();
    }
    yield* nonEmpty(decoder ? decoder.write(chunk) : chunk);
  }
  // An input shorter than that (one line of a few bytes).
  if (head && head.length > 0) {
    refuseCompressed(head);
    [head, decoder] = withoutMark(head);
    if (decoder) onUtf16?.();
    yield* nonEmpty(decoder ? decoder.write(head) : head);
  }
  if (decoder) yield* nonEmpty(decoder.end());
}

function* nonEmpty(chunk: Buffer): Generator<Buffer> {
  if (chunk.length > 0) yield chunk;
}

/** The first bytes without their byte order mark, and the decoder that UTF-16 needs. */
function withoutMark(first: Buffer): [Buffer, Utf16Decoder | undefined] {
  if (first.subarray(0, 3).equals(UTF8_BOM)) return [first.subarray(3), undefined];
  if (first[0] === 0xff && first[1] === 0xfe) return [first.subarray(2), utf16Decoder(false)];
  if (first[0] === 0xfe && first[1] === 0xff) return [first.subarray(2), utf16Decoder(true)];
  return [first, undefined];
}

/** Half a surrogate pair with no other half beside it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * UTF-16 to UTF-8, chunk by chunk: StringDecoder keeps a surrogate pair or a
 * code unit split between chunks; big-endian input is swapped to little-endian
 * first, a pair of bytes at a time (an odd byte waits for its partner). What
 * does not decode is UNDECODED_UTF16, where Buffer.from would write U+FFFD.
 */
function utf16Decoder(bigEndian: boolean): Utf16Decoder {
  const decoder = new StringDecoder('utf16le');
  let odd: Buffer | undefined;
  let total = 0;
  return {
    write(chunk) {
      total += chunk.length;
      if (!bigEndian) return utf8(decoder.write(chunk));
      let bytes = odd ? Buffer.concat([odd, chunk]) : Buffer.from(chunk);
      odd = bytes.length % 2 === 1 ? bytes.subarray(bytes.length - 1) : undefined;
      if (odd) bytes = bytes.subarray(0, bytes.length - 1);
      return utf8(decoder.write(bytes.swap16()));
    },
    end() {
      // A lone high surrogate comes back from end() as itself; an odd last byte as nothing at all.
      const rest = utf8(decoder.end());
      return total % 2 === 1 ? Buffer.concat([rest, Buffer.of(UNDECODED_UTF16)]) : rest;
    },
  };
}

function utf8(text: string): Buffer {
  if (!LONE_SURROGATE.test(text)) return Buffer.from(text, 'utf8');
  LONE_SURROGATE.lastIndex = 0;
  const parts = text.split(LONE_SURROGATE);
  const marker = Buffer.of(UNDECODED_UTF16);
  return Buffer.concat(parts.flatMap((part, index) => (index === 0 ? [Buffer.from(part, 'utf8')] : [marker, Buffer.from(part, 'utf8')])));
}
