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

/** An argument's bytes for a message: printable ASCII as it is, every other byte as \xHH. */
export function shownBytes(bytes: Buffer): string {
  let text = '';
  for (const byte of bytes) text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return text;
}
