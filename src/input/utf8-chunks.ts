import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { MAGIC_BYTES, refuseCompressed } from './compressed-input.js';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The input's bytes as UTF-8, without a byte order mark. UTF-8 passes through
 * untouched. A file that starts with a UTF-16 byte order mark (what Windows
 * PowerShell's `>` and `Out-File` write) is decoded, so its lines are URLs and
 * not a NUL between every two characters, each an EINVALIDURL.
 *
 * The mark is looked for in the first three bytes only.
 */
export async function* utf8Chunks(stream: Readable): AsyncGenerator<Buffer> {
  let decode: ((chunk: Buffer) => Buffer) | undefined;
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
      [chunk, decode] = withoutMark(chunk);
    }
    yield* asUtf8(chunk, decode);
  }
  // An input shorter than that (one line of a few bytes).
  if (head && head.length > 0) {
    refuseCompressed(head);
    yield* asUtf8(...withoutMark(head));
  }
}

function* asUtf8(chunk: Buffer, decode: ((chunk: Buffer) => Buffer) | undefined): Generator<Buffer> {
  const out = decode ? decode(chunk) : chunk;
  if (out.length > 0) yield out;
}

/** The first bytes without their byte order mark, and the decoder that UTF-16 needs. */
function withoutMark(first: Buffer): [Buffer, ((chunk: Buffer) => Buffer) | undefined] {
  if (first.subarray(0, 3).equals(UTF8_BOM)) return [first.subarray(3), undefined];
  if (first[0] === 0xff && first[1] === 0xfe) return [first.subarray(2), utf16Decoder(false)];
  if (first[0] === 0xfe && first[1] === 0xff) return [first.subarray(2), utf16Decoder(true)];
  return [first, undefined];
}

/**
 * UTF-16 to UTF-8, chunk by chunk: StringDecoder keeps a surrogate pair or a
 * code unit split between chunks; big-endian input is swapped to little-endian
 * first, a pair of bytes at a time (an odd byte waits for its partner).
 */
function utf16Decoder(bigEndian: boolean): (chunk: Buffer) => Buffer {
  const decoder = new StringDecoder('utf16le');
  let odd: Buffer | undefined;
  return (chunk) => {
    if (!bigEndian) return Buffer.from(decoder.write(chunk), 'utf8');
    let bytes = odd ? Buffer.concat([odd, chunk]) : Buffer.from(chunk);
    odd = bytes.length % 2 === 1 ? bytes.subarray(bytes.length - 1) : undefined;
    if (odd) bytes = bytes.subarray(0, bytes.length - 1);
    return Buffer.from(decoder.write(bytes.swap16()), 'utf8');
  };
}
