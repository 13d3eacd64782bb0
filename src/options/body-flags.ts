/** curl's request body flags: -d, --data-binary, --data-raw, --json, --data-urlencode and -T. */
import { isUtf8 } from 'node:buffer';
import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { MAX_FLAG_FILE_BYTES, readFlagFile, tooLarge } from './flag-files.js';

/**
 * A request body flag: the text itself, or `@FILE` for the file's contents, as in
 * curl. `-d @file` drops CR and LF (curl's --data does); --data-binary and --json keep them.
 * The file's bytes are taken as they are (an image, a Latin-1 form: see bodyData). Given
 * again, the pieces are joined as curl joins them: `-d a=1 -d b=2` sends `a=1&b=2`
 * (`joiner` '&'); --json pieces are concatenated.
 */
export function bodyFlag(flag: string, { stripNewlines, readsFiles = true, joiner }: { stripNewlines: boolean; readsFiles?: boolean; joiner: string }) {
  const piece = (value: string): Buffer => {
    if (!readsFiles || !value.startsWith('@')) return Buffer.from(value);
    const bytes = readFlagFile(flag, value.slice(1));
    return stripNewlines ? Buffer.from(bytes.filter((byte) => byte !== 0x0d && byte !== 0x0a)) : bytes;
  };
  return (value: string, previous: unknown): Buffer => (Buffer.isBuffer(previous) ? Buffer.concat([previous, Buffer.from(joiner), piece(value)]) : piece(value));
}

/**
 * A body's bytes as the run carries them: a string when they are UTF-8, as
 * most bodies are, else the bytes themselves, sent as they are (as curl
 * sends a file), never decoded with U+FFFD in place of what is not UTF-8.
 */
export function bodyData(bytes: Buffer): string | Buffer {
  // Each file was held to the limit as it was read; pieces joined (two 50 MB files) are held to it here.
  if (bytes.length > MAX_FLAG_FILE_BYTES) throw tooLarge('the request body the flags give', bytes.length);
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes;
}

/** curl -T FILE: the body's bytes, and the name a URL ending in / gets (none for stdin). */
export interface UploadFile {
  bytes: Buffer;
  name: string | undefined;
}

/** -T FILE, read as the command line is parsed, as -d @FILE is: stdin read by it is known before the input is opened. */
export function uploadFileFlag(value: string, previous: unknown): UploadFile {
  if (previous !== undefined) throw new UsageError('-T is given once: it is the body of every request');
  return { bytes: readFlagFile('-T', value), name: value === '-' ? undefined : basename(value) };
}

/**
 * curl's --data-urlencode encoding: a space as +, as curl writes it, and every
 * other byte but the unreserved A-Z a-z 0-9 - . _ ~ as %XX: a text's UTF-8
 * bytes, a file's bytes as they are.
 */
function curlEscape(bytes: Buffer): string {
  // Written a byte at a time into bytes: a string built by one regex test and one concatenation a byte took
  // 45 s for a 30 MB file.
  const escaped = Buffer.allocUnsafe(bytes.length * 3);
  let at = 0;
  for (const byte of bytes) {
    if (UNRESERVED[byte] === 1) escaped[at++] = byte;
    else if (byte === 0x20) escaped[at++] = 0x2b;
    else {
      escaped[at++] = 0x25;
      escaped[at++] = HEX_DIGITS[byte >> 4] as number;
      escaped[at++] = HEX_DIGITS[byte & 15] as number;
    }
  }
  return escaped.toString('latin1', 0, at);
}

/** 1 for the bytes sent as they are: A-Z a-z 0-9 - . _ ~ */
const UNRESERVED = Uint8Array.from({ length: 256 }, (_, byte) => (/^[A-Za-z0-9\-._~]$/.test(String.fromCharCode(byte)) ? 1 : 0));
const HEX_DIGITS = Buffer.from('0123456789ABCDEF', 'latin1');

/**
 * --data-urlencode, read as curl reads it: up to the first = (or, with none, the first @), a name;
 * `name=content` and `=content` encode the content, `name@FILE` and `@FILE` a
 * file's contents, and text with neither is encoded whole. Pieces join with &.
 */
export function parseDataUrlencode(value: string, previous: unknown): string {
  // As curl's tool_getparam.c: the first '=' splits; only a value with none is split at its first '@'
  // ('contact@x=me' is the name 'contact@x', not the file 'x=me').
  const at = value.includes('=') ? value.indexOf('=') : value.indexOf('@');
  let piece: string;
  if (at === -1) piece = curlEscape(Buffer.from(value));
  else {
    const name = value.slice(0, at);
    const rest = value.slice(at + 1);
    const content = value[at] === '@' ? readFlagFile('--data-urlencode', rest) : Buffer.from(rest);
    piece = name === '' ? curlEscape(content) : `${name}=${curlEscape(content)}`;
  }
  return typeof previous === 'string' ? `${previous}&${piece}` : piece;
}
