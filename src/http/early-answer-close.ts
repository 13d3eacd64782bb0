import type { Duplex } from 'node:stream';
import { h1ParserOf, undiciSlotOf, type H1Parser } from './h1-parser.js';

const mended = new WeakSet<object>();

/**
 * Closes an HTTP/1.1 connection whose response ended before its request's body
 * was written (applied by http1-socket.ts), as curl does ("stop sending data
 * before everything sent"). A server that refuses an upload from its head (413,
 * 401) may answer and keep the connection open without reading the rest. undici
 * closes such a connection only while it streams a body itself; a body held in
 * memory is handed to the socket in one write, undici counts it as sent, and the
 * next request on that connection was queued behind bytes the server would never
 * read: it timed out. A response that completes while the socket still holds
 * unwritten bytes now marks the connection for undici's own close after a
 * response (its `reset` flag, as `Connection: close` sets it), so the next
 * request opens a new one.
 *
 * The parser's prototype (h1-parser.ts) is mended at the connection's first read,
 * before undici's own listener parses it, once per copy of undici.
 */
export function closeAfterEarlyAnswers(socket: Duplex): void {
  socket.prependOnceListener('readable', () => {
    const parser = h1ParserOf(socket);
    if (parser) mendMessageComplete(parser);
  });
}

function mendMessageComplete(parser: H1Parser): void {
  const prototype = Object.getPrototypeOf(parser) as H1Parser;
  if (mended.has(prototype) || typeof prototype.onMessageComplete !== 'function') return;
  mended.add(prototype);
  const onMessageComplete = prototype.onMessageComplete;
  prototype.onMessageComplete = function onMessageCompleteClosing(this: H1Parser): number {
    // An interim (1xx) response ends before its final one, not the exchange.
    if (this.statusCode >= 200 && this.socket.writableLength > 0) {
      const reset = undiciSlotOf<boolean>(this.socket, 'reset');
      if (reset) (this.socket as unknown as Record<symbol, boolean>)[reset.key] = true;
    }
    return onMessageComplete.call(this);
  };
}
