import type { Socket } from 'node:net';

/** Set on a read reset that came on a connection which had carried answers before. */
const RESET_AFTER_ANSWERS = Symbol('bulkfetch.resetAfterAnswers');

/**
 * Marks a reset on a kept-alive connection (applied by http1-socket.ts): a server that closes a connection
 * idle past its timeout as a new request goes out on it has its kernel answer the request with RST, and the
 * record read "read ECONNRESET" where curl and browsers send such a request again at once on a new
 * connection, whatever its method (the server closed the connection without reading it). The mark is
 * what error-codes.ts reads to tell this reset from one on a new connection, which is the server's
 * answer. Prepended, so it is on the error before undici keeps it for the request.
 */
export function markResetsAfterAnswers(socket: Socket): void {
  socket.prependListener('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ECONNRESET' && socket.bytesRead > 0) (error as unknown as Record<symbol, boolean>)[RESET_AFTER_ANSWERS] = true;
  });
}

/** A reset markResetsAfterAnswers marked: the connection had answered earlier requests. */
export function resetAfterAnswers(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[RESET_AFTER_ANSWERS] === true;
}
