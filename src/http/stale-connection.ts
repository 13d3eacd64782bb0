import type { Socket } from 'node:net';
import { isIdempotent } from './retry-policy.js';

/** Set on the error that ended a request no byte of answer came to, on a connection that had carried answers before. */
const STALE = Symbol('bulkfetch.staleConnection');
/** Set on the error of any connection lost after it had carried answers (kept alive), whatever was on it. */
const KEPT_ALIVE_LOST = Symbol('bulkfetch.keptAliveLost');
/** Set beside STALE when the connection had carried one answer only: a server that closes each connection after its answer. */
const AFTER_ONE_ANSWER = Symbol('bulkfetch.closedAfterOneAnswer');

/**
 * Marks the loss of a kept-alive connection under a request it never answered
 * (applied by http1-socket.ts). A server that closes a connection idle past its
 * timeout as a new request goes out on it either closes it (undici's "other side
 * closed") or has its kernel answer the request with RST (a read ECONNRESET).
 * curl and browsers send such a request again at once on a new connection,
 * whatever its method: the server closed the connection without reading it.
 * The mark is what error-codes.ts reads to tell this loss from every other
 * one, which is the server's answer, sent once unless --retries says more.
 *
 * Both conditions are this connection's own history: answers read before the
 * request's first write (so it was kept alive), and no byte read since. A new
 * connection, or one where any of this request's answer came (`102
 * Processing`, half a status line), is not stale: a POST to a server that sent
 * `HTTP/1.1 102` and closed was sent three times, --retries 0 or not, when
 * any byte read on the connection counted as an earlier answer.
 */
export function markStaleConnectionErrors(socket: Socket): void {
  // undici sends one request at a time on a connection: a write after bytes came in begins the next request.
  let readAtRequestStart = 0;
  let readAtLastWrite = -1;
  /** Requests begun on this connection. */
  let requests = 0;
  // The request being written or answered now, and whether the one before it on this connection was a HEAD.
  let requestLine = '';
  let afterHead = false;
  const write = socket.write;
  socket.write = function (this: Socket, ...args: unknown[]) {
    if (socket.bytesRead !== readAtLastWrite) {
      requests += 1;
      readAtRequestStart = socket.bytesRead;
      afterHead = requestLine.startsWith('HEAD ');
      // A request's first write is its header block, a string (undici's writeH1).
      requestLine = typeof args[0] === 'string' ? args[0].slice(0, 8) : '';
    }
    readAtLastWrite = socket.bytesRead;
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof socket.write;
  const unansweredAfterAnswers = (): boolean => readAtRequestStart > 0 && socket.bytesRead === readAtRequestStart;
  const mark = (error: NodeJS.ErrnoException | undefined, code: string): void => {
    if (error?.code !== code) return;
    if (unansweredAfterAnswers()) {
      (error as unknown as Record<symbol, boolean>)[STALE] = true;
      if (requests === 2) (error as unknown as Record<symbol, boolean>)[AFTER_ONE_ANSWER] = true;
    }
    if (socket.bytesRead > 0) {
      (error as unknown as Record<symbol, boolean>)[KEPT_ALIVE_LOST] = true;
      // Lost after its first answer, before a second request was written: the requests queued for it fail with this.
      if (requests === 1 && readAtRequestStart === 0) (error as unknown as Record<symbol, boolean>)[AFTER_ONE_ANSWER] = true;
    }
  };
  // A HEAD's connection is kept (send-request.ts), as curl keeps it. A server that sends a HEAD a body
  // anyway, after the next request went out, has it read as that request's answer, which is no status
  // line: that request, if sending it twice does no harm, goes again on a new connection.
  const markHeadsStrayBody = (error: Error | undefined): void => {
    // undici's HTTPParserError for bytes where a status line should begin (its code is not set for this one).
    if (afterHead && error?.name === 'HTTPParserError' && error.message.includes('Expected HTTP/') && isIdempotent(requestLine.slice(0, requestLine.indexOf(' ')))) {
      (error as unknown as Record<symbol, boolean>)[STALE] = true;
    }
  };
  // Prepended, so that the mark is on the error before undici keeps it for the request.
  socket.prependListener('error', (error: NodeJS.ErrnoException) => mark(error, 'ECONNRESET'));
  const destroy = socket.destroy;
  socket.destroy = function (this: Socket, error?: Error) {
    mark(error as NodeJS.ErrnoException | undefined, 'UND_ERR_SOCKET');
    markHeadsStrayBody(error);
    return destroy.call(this, error);
  };
}

/** An error markStaleConnectionErrors marked: a kept-alive connection lost before a byte of this request's answer. */
export function lostUnansweredOnKeptAlive(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[STALE] === true;
}

/**
 * An error of a kept-alive connection's loss (see markStaleConnectionErrors).
 * undici hands it also to the requests waiting in the client's queue, which
 * were never written on any connection: the reset of an idle connection, as
 * the next request was dispatched to it, failed that request with "read
 * ECONNRESET" although the server never saw it (send-request.ts sends it
 * again at once, whatever its method).
 */
export function lostKeptAliveConnection(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[KEPT_ALIVE_LOST] === true;
}

/**
 * An error lostUnansweredOnKeptAlive marks, on a connection that had carried one answer only: what a server
 * that closes each connection after its answer does to every reuse (closing-origins.ts counts these). A server
 * that closes after many answers, or an idle timeout, loses a connection that carried more, or seldom.
 */
export function closedAfterOneAnswer(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[AFTER_ONE_ANSWER] === true;
}
