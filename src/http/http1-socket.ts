import type { Socket } from 'node:net';
import type * as Undici from 'undici';

/**
 * A connector that hands each connection it opens to `prepare` before undici
 * takes it, unless ALPN chose h2 (nghttp2 reads and writes those itself): the
 * place for what HTTP/1.1 sockets need that undici does not do.
 */
export function preparingHttp1Sockets(connect: Undici.buildConnector.connector, prepare: (socket: Socket) => void): Undici.buildConnector.connector {
  return (opts, callback) =>
    connect(opts, (error, socket) => {
      if (socket && (socket as { alpnProtocol?: string | false }).alpnProtocol !== 'h2') prepare(socket as unknown as Socket);
      (callback as (e: Error | null, s: unknown) => void)(error, socket);
    });
}
