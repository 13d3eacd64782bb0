import type { OutgoingHttpHeaders } from 'node:http2';

/** Headers of one HTTP/1.1 connection, which HTTP/2 forbids (RFC 9113 8.2.2); TE is allowed as "trailers" alone. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings']);

/**
 * The request's headers without those HTTP/2 forbids, as curl leaves them out.
 * node:http2 throws on them (ERR_HTTP2_INVALID_CONNECTION_HEADERS) from inside
 * undici's write, where nothing catches it: `-H 'TE: gzip'` or a spec's
 * `Proxy-Connection` header crashed the child twice and the record read
 * ECHILDCRASH (over HTTP/1.1 they go out as given). The same object when none
 * is there. Applied to each request by h2-session.ts.
 */
export function withoutConnectionHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  let kept: OutgoingHttpHeaders | undefined;
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (!CONNECTION_SPECIFIC.has(lower) && !(lower === 'te' && String(headers[name]).trim().toLowerCase() !== 'trailers')) continue;
    kept ??= { ...headers };
    delete kept[name];
  }
  return kept ?? headers;
}
