import type { Socket } from 'node:net';

type WriteCallback = (error?: Error | null) => void;
interface SocketWrites {
  _write(chunk: unknown, encoding: BufferEncoding, callback: WriteCallback): void;
  _writev?: (chunks: Array<{ chunk: unknown; encoding: BufferEncoding }>, callback: WriteCallback) => void;
  destroy(error?: Error): unknown;
}

/** The peer has closed or reset the connection: a write fails with one of these. */
const PEER_GONE = new Set(['EPIPE', 'ECONNRESET']);
/** How the read side's end reaches destroy(): undici's "other side closed", or a reset read. */
const READ_SIDE_ENDED = new Set(['UND_ERR_SOCKET', 'ECONNRESET']);

/**
 * Makes an HTTP/1.1 socket keep reading after a write fails because the
 * server closed the connection (applied by http1-socket.ts): a server that refuses a request from its
 * head (413 for a body too large, 401) answers and closes without reading the
 * body, and the answer is already on its way. Node destroys a socket at the
 * first failed write, so the answer was lost and the record said "write
 * EPIPE" where curl, which reads while it sends, shows the 413 (Node's own
 * client has the same gap: nodejs/node#12339, #54366).
 *
 * Here the first such failure is taken as written: the write side is gone
 * either way, and reading goes on until the answer ends or the connection does.
 * A new connection that ends without an answer fails with that write error, so
 * the record still says why (error-codes.ts); a kept-alive one with undici's
 * "other side closed", which sends it again at once. A later write, which would be
 * another request on a connection that cannot carry it, fails at once.
 * HTTP/2 connections are left alone: nghttp2 writes them.
 */
export function readPastWriteErrors(socket: Socket): void {
  const writes = socket as unknown as SocketWrites;
  let writeError: Error | undefined;
  let sayWriteError = false;
  const taken =
    (callback: WriteCallback): WriteCallback =>
    (error) => {
      if (error && writeError === undefined && PEER_GONE.has((error as NodeJS.ErrnoException).code ?? '')) {
        writeError = error;
        // On a connection that had answered before, the server may have closed it while idle: undici's own
        // "other side closed" then says so, and the record goes again at once (staleConnection), as before.
        sayWriteError = socket.bytesRead === 0;
        return callback();
      }
      callback(error);
    };
  const write = writes._write;
  writes._write = function (chunk, encoding, callback) {
    if (writeError) return callback(writeError);
    write.call(this, chunk, encoding, taken(callback));
  };
  const writev = writes._writev;
  if (writev) {
    writes._writev = function (chunks, callback) {
      if (writeError) return callback(writeError);
      writev.call(this, chunks, taken(callback));
    };
  }
  // The end of the read side, as undici reports it ("other side closed", a read ECONNRESET), says less than the write did.
  const destroy = writes.destroy;
  writes.destroy = function (error?: Error) {
    return destroy.call(this, sayWriteError && READ_SIDE_ENDED.has((error as NodeJS.ErrnoException | undefined)?.code ?? '') ? writeError : error);
  };
}
