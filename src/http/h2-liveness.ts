import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { detachSession, type H2Client } from './h2-detach-session.js';
import { finishingAfterGoaway } from './h2-graceful-goaway.js';

/**
 * How long a session may go with its PING unanswered and not a byte read before it is taken for dead. A PING's
 * answer waits behind the DATA already on its way (a slow link: 1 s killed downloads that were flowing), and a
 * server busy for a second or two (a GC, synchronous work) answers nothing meanwhile: neither is silence this long.
 */
export const QUIET_DEADLINE_MS = 5_000;
/** At most one such PING a session in this long: a run cutting many bodies short must not flood a server with them. */
const PROBE_INTERVAL_MS = 5_000;

/** A session's last probe: when it went out. */
const probed = new WeakMap<ClientHttp2Session, number>();

/** What a session's liveness watch is handed: each new stream, and word that its socket read nothing for a while. */
export interface LivenessWatch {
  stream(stream: ClientHttp2Stream): void;
  quiet(): void;
}

/** Each watched session's probe, for the streams' close (one close on their class, not a closure a stream). */
const probes = new WeakMap<ClientHttp2Session, () => void>();

/** The streams' own close, which closeAndProbe takes the place of on their class. */
let streamClose: ClientHttp2Stream['close'] | undefined;

/** A stream closed while open before its response ended (given up): its session, if watched, is probed. */
function closeAndProbe(this: ClientHttp2Stream, ...args: Parameters<ClientHttp2Stream['close']>): void {
  // Given up here on a stream still open: one the server reset or ended (undici closes it again) says the server is there.
  if (!this.readableEnded && !this.closed && !this.destroyed) probes.get(this.session as ClientHttp2Session)?.();
  (streamClose as ClientHttp2Stream['close']).apply(this, args);
}

/**
 * An HTTP/2 session that has stopped answering is found out, and let go. undici cancels a stream it gives up on
 * (--timeout, a body cut short) and keeps the session for the next request, as HTTP/2 means it to: unlike an
 * HTTP/1.1 connection, which an abort closes. So a session that answers nothing more (a middlebox that dropped
 * the connection without a word, a server stuck, a client whose nghttp2 ended the session on a header field over
 * its 64 KB, which node:http2 reports to no one) took every retry of the record, and every record after it, each
 * to its --timeout: 60 s for one record, where curl answered at once.
 *
 * Here a PING goes out on the session when a stream is closed while open before its response ended, and when
 * its socket has read nothing for a while (h2-read-nudge.ts) with streams open on it: Node 20's nghttp2 ends a
 * session on a connection error it finds itself (a DATA frame on stream 0, a frame over the size it allows, a
 * header block it cannot decode) and tells no one, where Node 24 fails the streams, and each stream on it waited
 * out --timeout. A session that neither answers the PING nor sends a byte for QUIET_DEADLINE_MS is taken off its
 * client (which opens a new session for the next request) and destroyed, its streams failed as a connection lost
 * (sent again on a new one if they may be). `openStreams`: the streams open on the session now (h2-session.ts
 * counts them).
 */
export function watchingLiveness(client: H2Client, session: ClientHttp2Session, socket: Socket, openStreams: () => number): LivenessWatch {
  const letGo = (): void => {
    detachSession(client, session, socket);
    session.destroy(Object.assign(new Error(`HTTP/2: the connection stopped answering (no reply to a PING and not a byte in ${QUIET_DEADLINE_MS} ms, after a request on it was given up or waited)`), { code: 'UND_ERR_SOCKET' }));
  };
  probes.set(session, () => probe(session, socket, letGo));
  return {
    stream: (stream) => {
      if (streamClose !== undefined) return;
      const prototype = Object.getPrototypeOf(stream) as { close: ClientHttp2Stream['close'] };
      streamClose = prototype.close;
      prototype.close = closeAndProbe as ClientHttp2Stream['close'];
    },
    quiet: () => {
      if (openStreams() > 0) probe(session, socket, letGo);
    },
  };
}

function probe(session: ClientHttp2Session, socket: Socket, letGo: () => void): void {
  const now = performance.now();
  // A session closing after the server's GOAWAY may well not answer a PING: its streams end as that says.
  if (session.destroyed || session.closed || finishingAfterGoaway(session) || now - (probed.get(session) ?? -Infinity) < PROBE_INTERVAL_MS) return;
  probed.set(session, now);
  let bytesRead = socket.bytesRead;
  let timer: NodeJS.Timeout | undefined;
  const watch = (): void => {
    timer = setTimeout(() => {
      // Bytes came meanwhile: the connection lives, its PING's answer behind them. Watched again, till the answer.
      if (socket.bytesRead !== bytesRead && !session.destroyed) {
        bytesRead = socket.bytesRead;
        watch();
      } else if (!session.destroyed && !session.closed && !finishingAfterGoaway(session)) letGo();
    }, QUIET_DEADLINE_MS);
    timer.unref();
  };
  watch();
  // Called with an error too when the session ends first: nothing more to watch then.
  if (!session.ping(() => clearTimeout(timer))) clearTimeout(timer);
}
