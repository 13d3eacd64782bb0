import type { Duplex } from 'node:stream';
import { MAX_HEADER_BYTES } from './error-codes.js';

/** Bytes of a status line that tell whether it is an interim one: `HTTP/1.x 1dd` and a space or the line's end. */
const STATUS_PREFIX_BYTES = 13;
const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY: Buffer = Buffer.alloc(0);

/**
 * Makes an HTTP/1.1 socket drop interim (1xx) responses before undici's parser
 * sees them (applied by http1-socket.ts). RFC 9110 (15.2) has a client accept a
 * 1xx it did not ask for, but undici's HTTP/1.1 client destroys the socket on a
 * 100 ("bad response"), also one that follows a 102 or 103, which undici itself
 * would skip. 101 is left to undici: bulkfetch asks for no upgrade, and undici
 * fails one as it should.
 *
 * An interim response can only come where a response starts: after the request
 * has been written and before any byte of its final response. So reads right
 * after a write are checked for complete interim heads at their start, and the
 * start of one cut across reads is held until its end comes (a server may write
 * `HTTP/1.1 10` and `3 Early Hints...` apart); every later read passes untouched.
 * HTTP/2 handles 1xx itself and is left alone.
 */
export function skipInterimReplies(socket: Duplex): void {
  let responseStart = false;
  let held: Buffer = EMPTY;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  const read = socket.read.bind(socket);
  socket.write = ((...args: unknown[]) => {
    responseStart = true;
    return write(...args);
  }) as typeof socket.write;
  socket.read = ((size?: number) => {
    const got = read(size) as Buffer | null;
    if (!responseStart || got === null) return got;
    let chunk = held.length > 0 ? Buffer.concat([held, got]) : got;
    held = EMPTY;
    for (;;) {
      const opening = interimOpening(chunk);
      if (opening === 'no') break;
      const end = chunk.indexOf(HEAD_END);
      if (end === -1 || opening === 'unknown') {
        // Not yet whole (or too short to tell): held for the next read, unless it passed what a head may be (then undici judges it).
        if (chunk.length > MAX_HEADER_BYTES) break;
        held = chunk;
        return EMPTY;
      }
      chunk = chunk.subarray(end + HEAD_END.length);
    }
    if (chunk.length > 0) responseStart = false;
    return chunk.length > 0 ? chunk : EMPTY;
  }) as typeof socket.read;
}

/** Whether `chunk` opens with an interim response's status line (not 101); 'unknown' while too few of its bytes have come. */
function interimOpening(chunk: Buffer): 'yes' | 'no' | 'unknown' {
  if (chunk.length === 0) return 'no';
  // Read as bytes where they are: every final response passes here once, and most fail at byte 9.
  const seen = Math.min(chunk.length, STATUS_PREFIX_BYTES);
  for (let i = 0; i < seen; i++) if (!fitsInterimAt(chunk[i] as number, i)) return 'no';
  if (seen < STATUS_PREFIX_BYTES) return 'unknown';
  return chunk[10] === 0x30 && chunk[11] === 0x31 ? 'no' : 'yes';
}

const HTTP_1 = 'HTTP/1.';

/** Whether byte `c` may stand at position `i` of `HTTP/1.x 1dd` followed by a space or CR. */
function fitsInterimAt(c: number, i: number): boolean {
  if (i < HTTP_1.length) return c === HTTP_1.charCodeAt(i);
  if (i === 7) return c === 0x30 || c === 0x31;
  if (i === 8) return c === 0x20;
  if (i === 9) return c === 0x31;
  if (i <= 11) return c >= 0x30 && c <= 0x39;
  return c === 0x20 || c === 0x0d;
}
