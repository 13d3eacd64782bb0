import type { Socket } from 'node:net';

/**
 * How often the sockets of HTTP/2 sessions are looked at: one that read nothing since is nudged to read. Against
 * a server destroying each connection after 20 streams, 1 s let a record that met several such connections in
 * turn take 8 s; 250 ms, 2 s at most, with a call into a handle that is a no-op on one reading already.
 */
const NUDGE_INTERVAL_MS = 250;

/** A socket's native handle, as a TLSSocket keeps it (not in Node's types). */
interface ReadingHandle {
  readStart?(): number;
}

/** A socket of a live HTTP/2 session: its bytes read at the last look, and whom to tell when it read none since. */
interface Watched {
  bytesRead: number;
  onQuiet: () => void;
}

const watched = new Map<Socket, Watched>();
let ticker: NodeJS.Timeout | undefined;

/**
 * Keeps an HTTP/2 session's socket reading, so that the connection's end is seen. Node 20's http2 session stops
 * reading its socket while a write of its is in progress (node_http2.cc, MaybeStopReading), and a write that fails
 * because the server reset the connection under it (EPIPE: a server that destroys a connection with streams in
 * flight) leaves the TLS layer with a write in progress for good. The session then read nothing more, never saw
 * the reset nor the close, and every stream on it, with every request sent on it after, waited out --timeout: a
 * bare node:http2 client hung as well, where curl fails them at once (Node 24's did not, in the same repro).
 *
 * Here a socket that has read nothing in NUDGE_INTERVAL_MS is told to read: one already reading takes it as a
 * no-op, one stopped reads the reset or the end that is waiting, and the session ends, its streams failed as a
 * connection lost (sent again if they may be). One timer for all sessions, unref'd: it never keeps a child alive.
 * `onQuiet` is told each time as well (h2-liveness.ts probes a session so quiet with streams open).
 */
export function keepReading(socket: Socket, onQuiet: () => void): void {
  watched.set(socket, { bytesRead: socket.bytesRead, onQuiet });
  socket.once('close', () => watched.delete(socket));
  if (ticker !== undefined) return;
  ticker = setInterval(nudgeQuietSockets, NUDGE_INTERVAL_MS);
  ticker.unref();
}

function nudgeQuietSockets(): void {
  for (const [socket, seen] of watched) {
    if (socket.bytesRead !== seen.bytesRead) {
      seen.bytesRead = socket.bytesRead;
      continue;
    }
    (socket as unknown as { _handle?: ReadingHandle | null })._handle?.readStart?.();
    seen.onQuiet();
  }
  if (watched.size > 0) return;
  clearInterval(ticker);
  ticker = undefined;
}
