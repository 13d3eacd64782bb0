import { constants, type ClientHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type * as Undici from 'undici';
import { kError, kHTTP2Session, kSocket } from 'undici/lib/core/symbols.js';
import { detachSession, type H2Client } from './h2-detach-session.js';

type Listener = (...args: unknown[]) => void;

/**
 * A graceful GOAWAY (NO_ERROR) lets the session's streams finish, as RFC 9113
 * (6.8) has it: the server answers every stream up to the frame's last stream
 * id, and node:http2 closes the session once they are done, failing the later
 * ones with REFUSED_STREAM, which the loop sends again at once. undici 7
 * instead destroys the connection at any GOAWAY, failing every stream in
 * flight: a server that ends a connection after N requests (Go's and Node's
 * on shutdown, proxies with a request or age cap) had each stream on it sent
 * again, processed twice, and a POST's answer lost, while curl got them all.
 *
 * Here the client lets go of the session as undici does (its next request
 * opens a new connection) but the session is left to finish: undici's
 * listeners that would act on the client are taken off it and its socket,
 * while the streams' own listeners complete their requests as usual. A GOAWAY
 * with an error code still goes to undici, which fails the streams in flight
 * (a reset, sent again as such).
 *
 * Called at the client's 'connect', once undici has listened to the session. `onStreamsTaken` hears of a
 * graceful GOAWAY that turned streams away: how many streams the server took on this connection.
 */
export function finishStreamsAfterGracefulGoaway(client: Undici.Client, onStreamsTaken?: (streams: number) => void): void {
  const owner = client as H2Client;
  const session = owner[kHTTP2Session] as ClientHttp2Session | null | undefined;
  const socket = owner[kSocket] as Socket | null | undefined;
  if (!session || !socket) return;
  const undiciGoaway = session.listeners('goaway') as Listener[];
  session.removeAllListeners('goaway');
  session.on('goaway', function onGoaway(this: ClientHttp2Session, code: number, ...rest: unknown[]) {
    if (finishing.has(this)) {
      // A second GOAWAY on a session let go: RFC 9113 (6.8) has a server shut down gracefully with one
      // naming 2^31-1 and then one naming the last stream it takes. The client has moved on; undici's
      // listener would destroy the session, failing the streams the server is still answering. A later
      // one with an error code fails them, as a first one would have (error-codes.ts decides what goes again).
      if (code !== constants.NGHTTP2_NO_ERROR) this.destroy(Object.assign(new Error(`HTTP/2: "GOAWAY" frame received with code ${code}`), { code: 'UND_ERR_SOCKET' }));
      return;
    }
    if (code !== constants.NGHTTP2_NO_ERROR || owner[kHTTP2Session] !== this) {
      // undici fails every stream with one error, not reading the last stream id. Naming none (0), the
      // server processed none of them: each may go again whatever its method (RFC 9113, 6.8), as a
      // graceful GOAWAY's later streams do.
      if (rest[0] === 0) (this as unknown as Record<symbol, unknown>)[kError] = Object.assign(new Error(`HTTP/2: "GOAWAY" frame received with code ${code}`), { code: 'UND_ERR_SOCKET', [NONE_PROCESSED]: true });
      for (const listener of undiciGoaway) listener.call(this, code, ...rest);
      return;
    }
    const taken = streamsTaken(this, rest[0]);
    if (taken !== undefined) onStreamsTaken?.(taken);
    letSessionFinish(owner, this, socket);
  });
}

/**
 * The streams a server took on a connection whose graceful GOAWAY turned later ones away: every client stream
 * up to the frame's last stream id (odd ids from 1). Undefined when none was turned away (the server's
 * shutdown, a request cap above what was sent) or none was taken.
 */
function streamsTaken(session: ClientHttp2Session, lastStreamId: unknown): number | undefined {
  if (typeof lastStreamId !== 'number' || lastStreamId < 1) return undefined;
  const lastOpened = session.state.nextStreamID === undefined ? undefined : session.state.nextStreamID - 2;
  return lastOpened !== undefined && lastOpened > lastStreamId ? (lastStreamId + 1) / 2 : undefined;
}

const NONE_PROCESSED = Symbol('bulkfetch.goawayNoneProcessed');

/** Whether a request failed by a GOAWAY whose last stream id is 0: the server processed no stream of that connection. */
export function goawayProcessedNone(error: unknown): boolean {
  return typeof error === 'object' && error !== null && NONE_PROCESSED in error;
}

/**
 * Lets go of a session that has carried as many streams as its server takes on a connection (alpn-pool.ts learns
 * how many), as after the server's own graceful GOAWAY: its streams finish on it, and the client's next request
 * opens a new connection. False when there is nothing to let go (the session ended or was let go already).
 */
export function retireSession(client: Undici.Client, session: ClientHttp2Session): boolean {
  const owner = client as H2Client;
  const socket = owner[kSocket] as Socket | null | undefined;
  if (!socket || owner[kHTTP2Session] !== session || session.destroyed || session.closed || finishing.has(session)) return false;
  letSessionFinish(owner, session, socket);
  return true;
}

/** Sessions let finish their streams after a graceful GOAWAY, no longer the client's. */
const finishing = new WeakSet<ClientHttp2Session>();

/** Whether `session` is finishing its streams after a graceful GOAWAY: closing by the server's word, not silent. */
export function finishingAfterGoaway(session: ClientHttp2Session): boolean {
  return finishing.has(session);
}

function letSessionFinish(client: H2Client, session: ClientHttp2Session, socket: Socket): void {
  finishing.add(session);
  // A stream the server leaves unanswered when the connection closes fails as undici's GOAWAY would
  // have failed it (error-codes.ts: sent again at once if it may be sent twice), not as a bare close.
  // At 'close', not at the server's FIN: its last answers may still be on their way to their streams.
  const ended = Object.assign(new Error(`HTTP/2: "GOAWAY" frame received with code ${constants.NGHTTP2_NO_ERROR}`), { code: 'UND_ERR_SOCKET' });
  socket.once('close', () => session.destroy(ended));
  detachSession(client, session, socket);
}
