import { createReadStream, openSync, closeSync, fstatSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { compressedBy } from './compressed-input.js';

/**
 * Opens the input named on the command line ('-' is stdin). Checked before any
 * child is forked, so a typo costs one line on stderr and exit 2, not a run.
 */
export function openInput(path: string, stdin: Readable = process.stdin): Readable {
  if (path === '-') {
    // `bulkfetch - < dir`: the read fails EISDIR, which a stream would take for an empty list.
    if (stdin === process.stdin && stdinIsDirectory()) throw new UsageError('Expected an input file on stdin, got a directory');
    return stdin;
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'ELOOP' ? 'ELOOP: a symlink that leads back to itself (ls -l it)' : code ?? 'cannot open';
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
    throw new UsageError(`Input ${JSON.stringify(path)} is binary (a NUL byte at offset ${nul}), not a text list of URLs or JSON request specs${utf16Hint(head as Buffer)}`);
  }
  return createReadStream('', { fd, highWaterMark: 256 * 1024 });
}

/**
 * A head whose every other byte is NUL reads as UTF-16 without a byte order mark (one with it is read):
 * which endianness, by where the NULs are, and how to convert it.
 */
function utf16Hint(head: Buffer): string {
  const pairs = Math.min(64, Math.floor(head.length / 2));
  if (pairs < 2) return '';
  let high = 0;
  let low = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0 && head[2 * i + 1] !== 0) high += 1;
    if (head[2 * i + 1] === 0 && head[2 * i] !== 0) low += 1;
  }
  const encoding = high === pairs ? 'UTF-16BE' : low === pairs ? 'UTF-16LE' : undefined;
  return encoding === undefined ? '' : ` (it reads as ${encoding} without a byte order mark: convert it with iconv -f ${encoding} -t UTF-8)`;
}

function stdinIsDirectory(): boolean {
  try {
    return fstatSync(0).isDirectory();
  } catch {
    return false;
  }
}

/** How much of a named file is looked at before it is read as a list: as much as git and grep look at for a NUL. */
const HEAD_BYTES = 8000;

/** A named file's first bytes, read at offset 0 so the stream still starts there. */
function headOf(fd: number): Buffer {
  const head = Buffer.alloc(HEAD_BYTES);
  return head.subarray(0, readSync(fd, head, 0, head.length, 0));
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
