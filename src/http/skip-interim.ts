import type { Duplex } from 'node:stream';
import { wrapParserMethodAtFirstRead, type H1Parser } from './h1-parser.js';

/**
 * The status a 100 (Continue) is handed to undici's parser as: another interim one, which undici skips. Not 101,
 * whose upgrade undici refuses as it should, nor 102 or 103, which a reader of a trace could take for the server's.
 */
const INTERIM_STAND_IN = 199;

/**
 * Makes an HTTP/1.1 connection skip a 100 (Continue) the server sends unasked,
 * as it skips other interim (1xx) responses (applied by http1-socket.ts). RFC 9110
 * (15.2) has a client accept a 1xx it did not ask for. undici's HTTP/1.1 parser
 * skips 102, 103 and the rest itself (send-request.ts ignores their heads), but
 * destroys the socket on a 100 ("bad response"), also one after a 102 or 103: so
 * its parser is told the 100 is another interim response. 101 is left to undici:
 * bulkfetch asks for no upgrade, and undici fails one as it should. HTTP/2 handles
 * 1xx itself and is left alone.
 *
 * Done on the parser's head callback, once for every connection (the parser's
 * prototype is shared), where the bytes are already parsed: an interim head the
 * network cut anywhere is llhttp's to join. This used to watch the socket's reads
 * after each write and cut interim heads out of the bytes: hooks on every read and
 * every write of every request, which with the other per-request socket hooks cost
 * a few per cent of a child's CPU on a plain URL list (bench/CHANGELOG.md, entries
 * 89 and 90).
 */
export function skipInterimReplies(socket: Duplex): void {
  wrapParserMethodAtFirstRead(socket, 'onHeadersComplete', continueAsInterim);
}

/** undici's head callback, made to take a 100 for one more interim response. */
const continueAsInterim = (onHeadersComplete: H1Parser['onHeadersComplete']): H1Parser['onHeadersComplete'] =>
  function onHeadersCompleteSkippingContinue(this: H1Parser, statusCode: number, upgrade: boolean, shouldKeepAlive: boolean): number {
    return onHeadersComplete.call(this, statusCode === 100 ? INTERIM_STAND_IN : statusCode, upgrade, shouldKeepAlive);
  };
