import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { peekHead } from './peek-head.js';

/**
 * A list kept compressed (urls.txt.gz, or `cat urls.gz | bulkfetch -`) would be
 * read as lines of binary noise: EINVALIDURL records, or requests to hosts no
 * one listed, and a run that did nothing. Told by the format's leading bytes.
 */

/** Compressed formats by their leading bytes, and the tool that writes one out as text. */
const COMPRESSED: ReadonlyArray<{ magic: Buffer; format: string; cat: string }> = [
  { magic: Buffer.from([0x1f, 0x8b]), format: 'gzip', cat: 'zcat' },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), format: 'zstd', cat: 'zstdcat' },
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), format: 'xz', cat: 'xzcat' },
  // BZh, the block size (1-9), then a block's first bytes (1AY&SY): a host name like BZhost.com is text.
  ...['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((size) => ({ magic: Buffer.from(`BZh${size}1A`), format: 'bzip2', cat: 'bzcat' })),
];

/** The longest of those leading bytes: how much of an input is looked at. */
export const MAGIC_BYTES = Math.max(...COMPRESSED.map(({ magic }) => magic.length));

/** The format whose leading bytes `head` starts with, and the tool that writes it out as text. */
export function compressedBy(head: Buffer): { format: string; cat: string } | undefined {
  return COMPRESSED.find(({ magic }) => head.length >= magic.length && head.subarray(0, magic.length).equals(magic));
}

/** A pipe or stdin that starts compressed is a usage error, told as its first bytes come. */
export function refuseCompressed(first: Buffer): void {
  const packer = compressedBy(first);
  if (packer) throw new UsageError(`The input is ${packer.format}-compressed: decompress it on the way in, e.g. ${packer.cat} FILE | bulkfetch -`);
}

/**
 * Reads a stream's first bytes and refuses it if compressed, before anything
 * irreversible is done for the run: `-o FILE` empties FILE as it opens, and
 * `zcat`'s missing from `cat urls.gz | bulkfetch - -o results` emptied the results
 * of an earlier run. Resolves with a stream that yields the whole input.
 */
export async function refuseCompressedStream(stream: Readable, stop?: AbortSignal): Promise<Readable> {
  // A stop while nothing came yet ends the wait (Ctrl-C was not heard until the pipe moved): the run then stops.
  const { head, stream: whole } = await peekHead(stream, MAGIC_BYTES, stop ? { signal: stop } : {});
  try {
    refuseCompressed(head);
  } catch (error) {
    whole.destroy();
    throw error;
  }
  return whole;
}
