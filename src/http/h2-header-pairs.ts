import http2 from 'node:http2';
import { MAX_HEADER_BYTES } from './error-codes.js';

/**
 * Header fields an HTTP/2 response may carry: as many as the 256 KiB that
 * HTTP/1.1's header block may hold, at HPACK's 32 bytes of overhead a field
 * (RFC 7541, 4.1). node:http2 takes 128 by default (`maxHeaderListPairs`) and
 * resets the stream past it with ENHANCE_YOUR_CALM, which read as the server's
 * reset and was retried: a GET with 130 response headers went out three times
 * and failed, where curl and bulkfetch's HTTP/1.1 take it.
 */
export const MAX_H2_HEADER_PAIRS = MAX_HEADER_BYTES / 32;

/**
 * undici's h2 client passes node:http2 no `maxHeaderListPairs`, and a session
 * takes it only as it is made: `http2.connect` is wrapped to give it, unless
 * the caller does. Called by a child before its first connection; the parent never calls it.
 */
export function raiseH2HeaderPairLimit(): void {
  const connect = http2.connect;
  http2.connect = function connectTakingMoreHeaders(this: unknown, authority: string | URL, options?: unknown, listener?: unknown) {
    if (typeof options === 'function') return Reflect.apply(connect, this, [authority, { maxHeaderListPairs: MAX_H2_HEADER_PAIRS }, options]) as http2.ClientHttp2Session;
    return Reflect.apply(connect, this, [authority, { maxHeaderListPairs: MAX_H2_HEADER_PAIRS, ...(options as object | undefined) }, listener]) as http2.ClientHttp2Session;
  } as typeof http2.connect;
}
