import type { Duplex } from 'node:stream';
import { undiciSlotOf, wrapParserMethodAtFirstRead, type H1Parser } from './h1-parser.js';

/**
 * Request bytes still in the socket when a response completes, past which the connection is looked at again
 * before it is reused: a smaller body is in the kernel's buffers whether the server reads it or not (the next
 * request would wait behind it there, where no socket shows it), and a GET's head is written at once.
 */
const UNWRITTEN_WORTH_A_LOOK = 16 * 1024;
/** Turns of the event loop the socket is given to show those bytes written before it is closed. */
const LOOKS = 3;

/** The error a closed connection carries to undici (its own for a connection it closes after a response). */
const CLOSED_EARLY = Object.assign(new Error('reset: the answer came before the request body was written'), { code: 'UND_ERR_INFO', name: 'InformationalError' });

/**
 * Closes an HTTP/1.1 connection whose response ended before its request's body
 * was written (applied by http1-socket.ts), as curl does ("stop sending data
 * before everything sent"). A server that refuses an upload from its head (413,
 * 401) may answer and keep the connection open without reading the rest. undici
 * closes such a connection only while it streams a body itself; a body held in
 * memory is handed to the socket in one write, undici counts it as sent, and the
 * next request on that connection was queued behind bytes the server would never
 * read: it timed out.
 *
 * A socket's count of unwritten bytes comes down only when its write completes,
 * which Node reports a turn after the bytes went out (on TLS a whole 1 MB body
 * the server had read still counted): taken at once, it closed kept-alive HTTPS
 * connections after ordinary GETs. So a response that completes with more than
 * UNWRITTEN_WORTH_A_LOOK bytes unwritten holds its connection (undici's
 * `blocking` flag: no request goes on it) and looks again at each of the next
 * few turns: written by then, the connection is reused; still not, it is closed,
 * and the next request opens a new one.
 *
 * The parser's prototype (h1-parser.ts) is mended at the connection's first read,
 * before undici's own listener parses it, once per copy of undici.
 */
export function closeAfterEarlyAnswers(socket: Duplex): void {
  wrapParserMethodAtFirstRead(socket, 'onMessageComplete', lookingBeforeReuse);
}

/** undici's answer callback, made to hold a connection whose request is still being written (holdUntilWritten). */
const lookingBeforeReuse = (onMessageComplete: H1Parser['onMessageComplete']): H1Parser['onMessageComplete'] =>
  function onMessageCompleteLooking(this: H1Parser): number {
    // An interim (1xx) response ends before its final one, not the exchange.
    const unwritten = this.statusCode >= 200 && this.socket.writableLength > UNWRITTEN_WORTH_A_LOOK;
    const socket = this.socket;
    const client = this.client;
    const result = onMessageComplete.call(this);
    if (unwritten && result === 0 && !socket.destroyed) holdUntilWritten(socket, client);
    return result;
  };

function holdUntilWritten(socket: Duplex, client: object): void {
  const blocking = undiciSlotOf<boolean>(socket, 'blocking');
  const resume = undiciSlotOf<() => void>(client, 'resume')?.value;
  if (blocking === undefined || resume === undefined) return;
  const slots = socket as unknown as Record<symbol, boolean>;
  slots[blocking.key] = true;
  let looks = 0;
  const look = (): void => {
    if (socket.destroyed) return;
    if (socket.writableLength === 0) {
      slots[blocking.key] = false;
      resume();
    } else if (++looks < LOOKS) {
      setImmediate(look);
    } else {
      socket.destroy(CLOSED_EARLY);
    }
  };
  setImmediate(look);
}
