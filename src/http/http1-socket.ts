import type { Socket } from 'node:net';
import type * as Undici from 'undici';
import { closeAfterEarlyAnswers } from './early-answer-close.js';
import { readPastWriteErrors } from './early-response.js';
import { finishPausedParsers } from './paused-parser-finish.js';
import { noticeResetsMidBody } from './reset-mid-body.js';
import { skipInterimReplies } from './skip-interim.js';
import { markStaleConnectionErrors } from './stale-connection.js';
import { keepTlsAlerts } from './tls-alert.js';

/**
 * A connector that gives each connection it opens what HTTP/1.1 sockets need
 * and undici does not do, before undici takes it: interim (1xx) replies
 * dropped (skip-interim.ts), an answer read after a failed write
 * (early-response.ts), a connection closed when its answer came before its
 * body was written (early-answer-close.ts), a paused body finished when the socket ends
 * (paused-parser-finish.ts), a kept-alive connection lost before its
 * answer told apart (stale-connection.ts), a body ended by a reset told from one
 * ended by its framing (reset-mid-body.ts), and a TLS alert kept as the error it is
 * (tls-alert.ts). Connections on which ALPN chose h2 are left alone:
 * nghttp2 reads and writes those itself.
 */
export function preparingHttp1Sockets(connect: Undici.buildConnector.connector): Undici.buildConnector.connector {
  return (opts, callback) =>
    connect(opts, (error, socket) => {
      if (socket && (socket as { alpnProtocol?: string | false }).alpnProtocol !== 'h2') {
        skipInterimReplies(socket as unknown as Socket);
        readPastWriteErrors(socket as unknown as Socket);
        closeAfterEarlyAnswers(socket as unknown as Socket);
        finishPausedParsers(socket as unknown as Socket);
        markStaleConnectionErrors(socket as unknown as Socket);
        noticeResetsMidBody(socket as unknown as Socket);
        keepTlsAlerts(socket as unknown as Socket);
      }
      (callback as (e: Error | null, s: unknown) => void)(error, socket);
    });
}
