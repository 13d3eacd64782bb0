import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';

/** Set on the error of an HTTP/2 connection lost (closed, no GOAWAY) after it had answered a stream. */
const KEPT_ALIVE_LOST = Symbol('bulkfetch.h2KeptAliveLost');

/**
 * Marks the loss of a kept-alive HTTP/2 connection, as stale-connection.ts marks an HTTP/1.1 one: a server (or a
 * proxy's tunnel) that closes a connection idle past its timeout, without a GOAWAY, as a new stream goes out on it.
 * undici fails the streams with "other side closed"; an HTTP/1.1 request lost so went again on a new connection,
 * an HTTP/2 one was the record's answer (ESOCKETCLOSED, with --retries 0 too). A stream with no answer yet goes
 * again if it may be sent twice, as one a GOAWAY left unanswered does: unlike HTTP/1.1's, an HTTP/2 server may
 * have read it before it closed.
 *
 * The mark is the session's history: it had answered a stream before. undici's error is one for every stream of
 * the session; those answered already are past it (send-request.ts resends only a stream with no status).
 * Returns what each new stream is handed to: until the first answer, a listener for it.
 */
export function markingKeptAliveLoss(session: ClientHttp2Session, socket: Socket | null | undefined): (stream: ClientHttp2Stream) => void {
  let answered = false;
  const onAnswer = (): void => {
    answered = true;
  };
  const mark = (error: unknown): void => {
    if (answered && (error as { code?: unknown } | null)?.code === 'UND_ERR_SOCKET') (error as Record<symbol, boolean>)[KEPT_ALIVE_LOST] = true;
  };
  // undici ends a session its socket's end closed with one error, handed to the session and the socket (client-h2.js).
  for (const target of socket ? [session, socket] : [session]) {
    const destroy = target.destroy;
    target.destroy = function (this: typeof target, error?: Error, ...rest: unknown[]) {
      mark(error);
      return (destroy as (...args: unknown[]) => unknown).call(this, error, ...rest);
    } as typeof target.destroy;
  }
  return (stream) => {
    if (!answered) stream.once('response', onAnswer);
  };
}

/** An error markingKeptAliveLoss marked: a kept-alive HTTP/2 connection lost under a stream. */
export function lostH2KeptAlive(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[KEPT_ALIVE_LOST] === true;
}
