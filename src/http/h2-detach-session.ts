import type { ClientHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type * as Undici from 'undici';
import { kHTTP2Session, kHTTPContext, kResume, kSocket } from 'undici/lib/core/symbols.js';

/**
 * undici's listeners on an h2 session and its socket that act on the client,
 * by name (undici 7's client-h2.js). A session the client has let go of must
 * not reach the client through them once it has moved on to a new connection:
 * onHttp2SocketClose would clear the new connection from it and drop the count
 * of requests running there.
 */
const CLIENT_LISTENERS_ON_SESSION = new Set(['onHttp2SessionError', 'onHttp2FrameError', 'onHttp2SessionEnd', 'onHttp2SessionClose', 'onHttp2RemoteSettings']);
const CLIENT_LISTENERS_ON_SOCKET = new Set(['onHttp2SocketError', 'onHttp2SocketEnd', 'onHttp2SocketClose']);

export type H2Client = Undici.Client & Record<symbol, unknown> & { [kResume](): void };
type Listener = (...args: unknown[]) => void;

/**
 * Takes `session` off its client at once, as undici's close of it does, with
 * undici's listeners that would act on the client taken off it and its socket:
 * the client's next request opens a new connection, while the session's
 * streams keep their own listeners and end as the session does. undici lets go
 * only at the session's 'close', a turn after its destroy: a request sent again
 * in between went to the destroyed session ("The session has been destroyed").
 */
export function detachSession(client: H2Client, session: ClientHttp2Session, socket: Socket): void {
  for (const event of session.eventNames()) {
    for (const listener of session.listeners(event) as Listener[]) if (CLIENT_LISTENERS_ON_SESSION.has(listener.name)) session.removeListener(event, listener);
  }
  for (const event of socket.eventNames()) {
    for (const listener of socket.listeners(event) as Listener[]) if (CLIENT_LISTENERS_ON_SOCKET.has(listener.name)) socket.removeListener(event, listener);
  }
  session.on('error', () => {});
  socket.on('error', () => {});
  if (client[kHTTP2Session] !== session) return;
  client[kSocket] = null;
  client[kHTTPContext] = null;
  client[kHTTP2Session] = null;
  client[kResume]();
}

/**
 * Has `session` let go of by its client as soon as Node destroys it, rather than at its 'close', which comes after
 * its socket's, a few milliseconds on: every request sent in between, a retry or the next record, went to the
 * destroyed session, three times ("The session has been destroyed"). Node 24's nghttp2 destroys a whole connection
 * for one stream's protocol error (a body sent to a HEAD, which Node 20's answers by resetting that stream). Not
 * once undici has begun letting go itself (the client's socket no longer this one): its own close does the rest.
 */
export function detachWhenDestroyed(client: H2Client, session: ClientHttp2Session, socket: Socket): void {
  const destroy = session.destroy;
  session.destroy = function detachingDestroy(this: ClientHttp2Session, ...args: Parameters<ClientHttp2Session['destroy']>) {
    destroy.apply(this, args);
    if (client[kHTTP2Session] === session && client[kSocket] === socket) detachSession(client, session, socket);
  } as ClientHttp2Session['destroy'];
}
