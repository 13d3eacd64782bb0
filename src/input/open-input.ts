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
  let head: Buffer | undefined;
  try {
    head = stats.isFile() ? headOf(fd) : undefined;
  } catch (error) {
    closeSync(fd);
    throw new UsageError(`Cannot read input ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? 'read failed'}`, { cause: error });
  }
  const packer = head && compressedBy(head);
  if (packer) {
    closeSync(fd);
    throw new UsageError(`Input ${JSON.stringify(path)} is ${packer.format}-compressed: decompress it on the way in, e.g. ${packer.cat} ${JSON.stringify(path)} | bulkfetch -`);
  }
  const nul = head ? binaryAt(head) : -1;
  if (nul >= 0) {
    closeSync(fd);
    throw new UsageError(`Input ${JSON.stringify(path)} is binary (a NUL byte at offset ${nul}), not a text list of URLs or JSON request specs`);
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

/** How much of a named file is looked at before it is read as a list: as much as git and grep look at for a NUL. */
const HEAD_BYTES = 8000;

/** A named file's first bytes, read at offset 0 so the stream still starts there. */
function headOf(fd: number): Buffer {
  const head = Buffer.alloc(HEAD_BYTES);
  return head.subarray(0, readSync(fd, head, 0, head.length, 0));
}

/**
 * A list kept compressed (urls.txt.gz) would be read as one record of binary
 * noise: EINVALIDURL, and a run that did nothing.
 */
function compressedBy(head: Buffer): { format: string; cat: string } | undefined {
  return COMPRESSED.find(({ magic }) => head.length >= magic.length && head.subarray(0, magic.length).equals(magic));
}

/** UTF-16's byte order marks: such a file holds a NUL in every ASCII character, and is read as text (utf8-chunks.ts). */
const UTF16_BOMS = [Buffer.from([0xff, 0xfe]), Buffer.from([0xfe, 0xff])];

/**
 * The offset of a NUL byte in a file's head, -1 for none: text holds none, and
 * a JSON spec writes it \u0000. A spreadsheet, a zip or an image named by
 * mistake would be cut at its newline bytes into lines that parse as URLs
 * (a line "5" is http://0.0.0.5/): requests to hosts no one listed.
 */
function binaryAt(head: Buffer): number {
  if (UTF16_BOMS.some((bom) => head.subarray(0, 2).equals(bom))) return -1;
  return head.indexOf(0);
}
