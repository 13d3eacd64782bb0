import type { Duplex } from 'node:stream';

const CONTINUE = Buffer.from('HTTP/1.1 100 ');
const CONTINUE_10 = Buffer.from('HTTP/1.0 100 ');
const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

/**
 * Makes an HTTP/1.1 socket drop `100 Continue` interim responses before
 * undici's parser sees them (applied by http1-socket.ts). RFC 9110 (15.2) has a client accept a 1xx it
 * did not ask for, but undici's HTTP/1.1 client destroys the socket on a 100
 * ("bad response"), while other 1xx reach the handler (which skips them).
 *
 * A 100 can only come where a response starts: after the request has been
 * written and before any byte of its response. So a socket read right after a
 * write is checked for a complete `HTTP/1.x 100 ...\r\n\r\n` block at its start;
 * every later read passes untouched. HTTP/2 handles 1xx itself and is left alone.
 */
export function skipContinueReplies(socket: Duplex): void {
  let responseStart = false;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  const read = socket.read.bind(socket);
  socket.write = ((...args: unknown[]) => {
    responseStart = true;
    return write(...args);
  }) as typeof socket.write;
  socket.read = ((size?: number) => {
    let chunk = read(size) as Buffer | null;
    if (!responseStart || chunk === null) return chunk;
    while (startsWith(chunk, CONTINUE) || startsWith(chunk, CONTINUE_10)) {
      const end = chunk.indexOf(HEAD_END);
      if (end === -1) break;
      chunk = chunk.subarray(end + HEAD_END.length);
    }
    if (chunk.length > 0) responseStart = false;
    return chunk.length > 0 ? chunk : EMPTY;
  }) as typeof socket.read;
}

function startsWith(chunk: Buffer, prefix: Buffer): boolean {
  return chunk.length >= prefix.length && chunk.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}
