import { createReadStream, openSync, closeSync, fstatSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';

/**
 * Opens the input named on the command line ('-' is stdin). Checked before any
 * child is forked, so a typo costs one line on stderr and exit 2, not a run.
 */
export function openInput(path: string, stdin: Readable = process.stdin): Readable {
  if (path === '-') return stdin;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code ?? 'cannot open';
    throw new UsageError(`Cannot read input ${JSON.stringify(path)}: ${why}`, { cause: error });
  }
  const stats = fstatSync(fd);
  if (stats.isDirectory()) {
    closeSync(fd);
    throw new UsageError(`Expected an input file, got a directory: ${JSON.stringify(path)}`);
  }
  // Only a regular file can be read at an offset: a pipe (bulkfetch <(zcat urls.gz)) is left alone.
  const packer = stats.isFile() ? compressedBy(fd) : undefined;
  if (packer) {
    closeSync(fd);
    throw new UsageError(`Input ${JSON.stringify(path)} is ${packer.format}-compressed: decompress it on the way in, e.g. ${packer.cat} ${JSON.stringify(path)} | bulkfetch -`);
  }
  return createReadStream('', { fd, highWaterMark: 256 * 1024 });
}

/** Compressed formats by their leading bytes, and the tool that writes one out as text. */
const COMPRESSED: ReadonlyArray<{ magic: Buffer; format: string; cat: string }> = [
  { magic: Buffer.from([0x1f, 0x8b]), format: 'gzip', cat: 'zcat' },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), format: 'zstd', cat: 'zstdcat' },
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), format: 'xz', cat: 'xzcat' },
  // BZh, the block size (1-9), then a block's first bytes (1AY&SY): a host name like BZhost.com is text.
  ...['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((size) => ({ magic: Buffer.from(`BZh${size}1A`), format: 'bzip2', cat: 'bzcat' })),
];

/**
 * A list kept compressed (urls.txt.gz) would be read as one record of binary
 * noise: EINVALIDURL, and a run that did nothing. Named files are checked by
 * their first bytes (read at offset 0, so the stream still starts there).
 */
function compressedBy(fd: number): { format: string; cat: string } | undefined {
  const head = Buffer.alloc(6);
  const read = readSync(fd, head, 0, head.length, 0);
  return COMPRESSED.find(({ magic }) => read >= magic.length && head.subarray(0, magic.length).equals(magic));
}
