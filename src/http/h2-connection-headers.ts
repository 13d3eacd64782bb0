import type { ClientHttp2Session, OutgoingHttpHeaders } from 'node:http2';
import type * as Undici from 'undici';
import { kHTTP2Session } from 'undici/lib/core/symbols.js';

/** Headers of one HTTP/1.1 connection, which HTTP/2 forbids (RFC 9113 8.2.2); TE is allowed as "trailers" alone. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings']);

/**
 * Makes a client's h2 session leave out the headers HTTP/2 forbids, as curl
 * does. node:http2 throws on them (ERR_HTTP2_INVALID_CONNECTION_HEADERS) from
 * inside undici's write, where nothing catches it: `-H 'TE: gzip'` or a spec's
 * `Proxy-Connection` header crashed the child twice and the record read
 * ECHILDCRASH (over HTTP/1.1 they go out as given). Called at the client's
 * 'connect', before undici writes a request on the session.
 */
export function leaveOutConnectionHeaders(client: Undici.Client): void {
  const session = (client as unknown as Record<symbol, ClientHttp2Session | null | undefined>)[kHTTP2Session];
  if (!session) return;
  const request = session.request;
  session.request = function requestWithoutConnectionHeaders(this: ClientHttp2Session, headers?: OutgoingHttpHeaders, options?: object) {
    return request.call(this, headers && withoutConnectionHeaders(headers), options);
  } as typeof session.request;
}

function withoutConnectionHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  let kept: OutgoingHttpHeaders | undefined;
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (!CONNECTION_SPECIFIC.has(lower) && !(lower === 'te' && String(headers[name]).trim().toLowerCase() !== 'trailers')) continue;
    kept ??= { ...headers };
    delete kept[name];
  }
  return kept ?? headers;
}
