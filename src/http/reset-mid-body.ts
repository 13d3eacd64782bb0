import type { Socket } from 'node:net';

/** True while a connection's ECONNRESET is being dispatched to undici (cleared by a microtask once it has been). */
let resetBeingDispatched = false;

/**
 * Notices a connection reset that undici will take as a response's end
 * (applied by http1-socket.ts). On ECONNRESET undici's HTTP/1.1 client
 * completes a response that had begun on a connection it would not reuse
 * (`Connection: close`, HTTP/1.0, or a body with no length that ends at the
 * close) as though the body had ended there: "we treat all incoming data so
 * far as a valid response". A body with a Content-Length is checked against
 * it (send-request.ts), but a chunked one cut before its last chunk, and one
 * read to the close, came out as a whole 200 with part of the body. curl
 * fails both ("Recv failure: Connection reset by peer"): a reset is no end
 * the server chose, and the kernel may have dropped what came before it.
 *
 * undici completes the response synchronously inside the socket's 'error'
 * listener, which runs after this one (prepended): a response that ends while
 * the flag is up was ended by the reset, not by its own framing, which llhttp
 * would have completed before the error came.
 *
 * What this cannot see: on Linux a reset that arrives while answer bytes are
 * still unread reaches Node as a plain end of stream (the kernel drops those
 * bytes, and no ECONNRESET is read), which undici takes as a close-delimited
 * body's end. Measured, and said in the README; curl, reading the socket
 * itself, gets the error.
 */
export function noticeResetsMidBody(socket: Socket): void {
  socket.prependListener('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ECONNRESET') return;
    resetBeingDispatched = true;
    queueMicrotask(() => {
      resetBeingDispatched = false;
    });
  });
}

/** Whether the response ending now was ended by a reset of its connection (see noticeResetsMidBody). */
export function endedByReset(): boolean {
  return resetBeingDispatched;
}
