import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';

/**
 * The first of this process's last `count` arguments whose bytes are not
 * UTF-8, as the kernel holds them (/proc/self/cmdline: Linux), or undefined
 * (all are, or this system cannot tell). Node decodes argv as UTF-8 and puts
 * U+FFFD for each bad byte, so `caf\xe9` on the command line became
 * `caf%EF%BF%BD` in the request, and a file named so read as missing: other
 * bytes than the user gave, without a word. Input lines keep theirs
 * (percent-encoded), so an argument cannot be taken either way but as given.
 */
export function firstNonUtf8Argument(count: number): { index: number; bytes: Buffer } | undefined {
  if (count === 0) return undefined;
  const parts = kernelCommandLine();
  if (parts === undefined) return undefined;
  const args = parts.slice(-count);
  if (args.length !== count) return undefined;
  const index = args.findIndex((bytes) => !isUtf8(bytes));
  return index === -1 ? undefined : { index, bytes: args[index] as Buffer };
}

/**
 * The arguments this process was started with, node and its script first, as the kernel holds them
 * (/proc/self/cmdline: Linux), or undefined where this system cannot tell. Setting process.title overwrites them.
 */
export function kernelCommandLine(): Buffer[] | undefined {
  let raw: Buffer;
  try {
    raw = readFileSync('/proc/self/cmdline');
  } catch {
    return undefined;
  }
  const parts: Buffer[] = [];
  for (let start = 0; start < raw.length; ) {
    const end = raw.indexOf(0, start);
    parts.push(raw.subarray(start, end === -1 ? raw.length : end));
    start = end === -1 ? raw.length : end + 1;
  }
  return parts;
}

/**
 * An argument's bytes for a message: its UTF-8 characters as they are (`café`, where every byte past ASCII read
 * `caf\xc3\xa9`), and each byte that is not UTF-8, or not printable ASCII, as \xHH.
 */
export function shownBytes(bytes: Buffer): string {
  let text = '';
  for (let at = 0; at < bytes.length; ) {
    const length = utf8SequenceAt(bytes, at);
    const byte = bytes[at] as number;
    if (length > 1) text += bytes.toString('utf8', at, at + length);
    else text += length === 1 && byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
    at += Math.max(length, 1);
  }
  return text;
}

/** The first byte of `bytes` that is not part of a UTF-8 character, or undefined when all are. */
export function firstNonUtf8Byte(bytes: Buffer): number | undefined {
  for (let at = 0; at < bytes.length; ) {
    const length = utf8SequenceAt(bytes, at);
    if (length === 0) return bytes[at];
    at += length;
  }
  return undefined;
}

/** The length of the UTF-8 character that starts at `at` (RFC 3629: no overlong forms, no surrogates), 0 for none. */
function utf8SequenceAt(bytes: Buffer, at: number): number {
  const lead = bytes[at] as number;
  if (lead < 0x80) return 1;
  const continues = (offset: number, low = 0x80, high = 0xbf): boolean => {
    const byte = bytes[at + offset];
    return byte !== undefined && byte >= low && byte <= high;
  };
  if (lead >= 0xc2 && lead <= 0xdf) return continues(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) return continues(1, lead === 0xe0 ? 0xa0 : 0x80, lead === 0xed ? 0x9f : 0xbf) && continues(2) ? 3 : 0;
  if (lead >= 0xf0 && lead <= 0xf4) return continues(1, lead === 0xf0 ? 0x90 : 0x80, lead === 0xf4 ? 0x8f : 0xbf) && continues(2) && continues(3) ? 4 : 0;
  return 0;
}
