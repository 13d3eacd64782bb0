import type { ClientHttp2Session, ClientHttp2Stream, ClientSessionRequestOptions, OutgoingHttpHeaders } from 'node:http2';
import type * as Undici from 'undici';
import type { Socket } from 'node:net';
import { kHTTP2Session, kPendingIdx, kQueue, kSocket } from 'undici/lib/core/symbols.js';
import { withoutConnectionHeaders } from './h2-connection-headers.js';
import { keepResponseAsSent } from './h2-response-stream.js';
import { H2_BODY_PIECE_BYTES, writeBodyInPieces } from './h2-body-pieces.js';
import { finishStreamsAfterGracefulGoaway, retireSession } from './h2-graceful-goaway.js';
import { markingKeptAliveLoss } from './h2-kept-alive.js';
import { watchingLiveness } from './h2-liveness.js';
import { keepReading } from './h2-read-nudge.js';
import { writeLeanly } from './h2-lean-write.js';
import { detachWhenDestroyed, type H2Client } from './h2-detach-session.js';

/** What the pool that owns a client knows of its origin's connections (alpn-pool.ts). */
export interface H2SessionHooks {
  /** Streams a connection to the origin may carry in all: Infinity until a server's GOAWAY has told. */
  streamsPerConnection(): number;
  /** A graceful GOAWAY turned streams away, after the server had taken `streams` on the connection. */
  onStreamsTaken(streams: number): void;
  /** The session has carried streamsPerConnection() streams: called as the last of them is written. */
  onFull(): void;
  /** Once that write is done, the session was let go: the client may open its next connection. */
  onRetired(): void;
}

/**
 * Wraps a client's h2 session's `request` once, for what every request on it
 * needs and undici's h2 client does not do: the headers HTTP/2 forbids left
 * out (h2-connection-headers.ts), and the response stream read as the server
 * sent it (h2-response-stream.ts), and a large body written in pieces
 * (h2-body-pieces.ts). Called at the client's 'connect', before
 * undici writes a request on the session. The session also finishes its
 * streams after a graceful GOAWAY (h2-graceful-goaway.ts), its loss once
 * kept alive is marked (h2-kept-alive.ts), it is let go when it stops
 * answering (h2-liveness.ts), and its socket is kept reading so that its end
 * is seen (h2-read-nudge.ts), and let go as soon as Node destroys it
 * (h2-detach-session.ts). With `hooks`, the streams opened on it are
 * counted against what its server takes on a connection. A plain GET or HEAD
 * is written on it by h2-lean-write.ts rather than by undici (unless `lean` is
 * false), through the same preparation: returns whether it is.
 */
export function prepareH2Session(client: Undici.Client, hooks?: H2SessionHooks, { lean = true }: { lean?: boolean } = {}): boolean {
  const session = (client as unknown as Record<symbol, ClientHttp2Session | null | undefined>)[kHTTP2Session];
  if (!session) return false;
  const request = session.request;
  const owner = client as unknown as Record<symbol, unknown>;
  const socket = owner[kSocket] as Socket | null | undefined;
  // Streams opened, and open now, on this session (the liveness watch asks too); whether it is full, and whether
  // it was let go (then closed once idle).
  let opened = 0;
  let open = 0;
  let full = false;
  let retired = false;
  const closeOnceIdle = (): void => {
    if (retired && open === 0) session.close();
  };
  const streamClosed = (): void => {
    open -= 1;
    closeOnceIdle();
  };
  const keptAlive = markingKeptAliveLoss(session, socket);
  const liveness = socket ? watchingLiveness(client as H2Client, session, socket, () => open) : undefined;
  if (socket && liveness) keepReading(socket, liveness.quiet);
  if (socket) detachWhenDestroyed(client as H2Client, session, socket);
  // `lean`: a stream h2-lean-write.ts opens for a plain GET or HEAD, which has no body and tells its close itself.
  const openStream = (headers: OutgoingHttpHeaders | undefined, options: ClientSessionRequestOptions | undefined, lean: boolean): ClientHttp2Stream => {
    // undici ends a GET's stream with its HEADERS, body or not: one with a body (send-request.ts dispatchedBody)
    // is kept open for its DATA. The request being written is the one at the client's pending index.
    const written = lean ? undefined : (owner[kQueue] as Array<{ body?: unknown; contentLength?: number | null } | null>)[owner[kPendingIdx] as number];
    if (written?.body != null && headers !== undefined) {
      if (options?.endStream === true && headers[':method'] === 'GET') options = { ...options, endStream: false };
      // undici leaves the length out for a method it expects no body of; curl sends it, and servers read it.
      if (headers['content-length'] === undefined && typeof written.contentLength === 'number') headers = { ...headers, 'content-length': String(written.contentLength) };
    }
    const stream = request.call(session, headers && withoutConnectionHeaders(headers), options) as ClientHttp2Stream;
    if (bodyBytes(written?.body) > H2_BODY_PIECE_BYTES) writeBodyInPieces(stream);
    keepResponseAsSent(stream, !lean);
    keptAlive(stream);
    liveness?.stream(stream);
    opened += 1;
    open += 1;
    if (!lean) stream.once('close', streamClosed);
    // Also when a lower number was learned after this session had opened more: its next stream is its last.
    if (hooks !== undefined && !full && opened >= hooks.streamsPerConnection()) {
      full = true;
      retireOnceWritten(client, session, hooks, () => {
        retired = true;
        closeOnceIdle();
      });
    }
    return stream;
  };
  session.request = function preparedRequest(headers?: OutgoingHttpHeaders, options?: ClientSessionRequestOptions) {
    return openStream(headers, options, false);
  } as typeof session.request;
  const leanly = lean && writeLeanly(client, openStream, streamClosed);
  finishStreamsAfterGracefulGoaway(client, hooks?.onStreamsTaken);
  return leanly;
}

/**
 * A full session goes once undici has written the stream it is writing now: the pool has undici write no more on
 * it meanwhile (onFull), and it is let go in a microtask (undici reads the client's socket as it writes the body).
 * It is closed only once its streams are done: a GOAWAY of ours at once went out before the HEADERS of the streams
 * just opened (nghttp2 sends it first), and the server processed none of them.
 */
function retireOnceWritten(client: Undici.Client, session: ClientHttp2Session, hooks: H2SessionHooks, retired: () => void): void {
  hooks.onFull();
  queueMicrotask(() => {
    if (retireSession(client, session)) retired();
    hooks.onRetired();
  });
}

/** The size of the body undici is writing: a Buffer, a string, or the one-piece array send-request.ts hands over. */
function bodyBytes(body: unknown): number {
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (Buffer.isBuffer(body)) return body.length;
  return Array.isArray(body) ? body.reduce((sum: number, piece: unknown) => sum + (Buffer.isBuffer(piece) ? piece.length : 0), 0) : 0;
}
