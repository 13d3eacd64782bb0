import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type * as Undici from 'undici';
import { kHTTP2Session } from 'undici/lib/core/symbols.js';

/** A character past ASCII: a byte node:http2 read as latin1. */
const PAST_ASCII = /[^\x00-\x7f]/;

/**
 * Makes a client's h2 session hand undici a response's header values as the
 * bytes that came. node:http2 gives each value as a latin1 string (a character
 * a byte), and undici's h2 client makes bytes of it again with
 * `Buffer.from(value)`, which is UTF-8: each byte past ASCII became two, so the
 * line read `cafÃ\u0083Â©` where HTTP/1.1 gives `cafÃ©` (the README's one
 * character a byte), and `-L` followed a Location with other bytes than the
 * server's. A Buffer of the latin1 bytes is copied as it is, and the line reads
 * as over HTTP/1.1. Only a value past ASCII is touched. Called at the client's
 * 'connect', before undici writes a request on the session.
 */
export function keepResponseHeaderBytes(client: Undici.Client): void {
  const session = (client as unknown as Record<symbol, ClientHttp2Session | null | undefined>)[kHTTP2Session];
  if (!session) return;
  const request = session.request;
  session.request = function requestKeepingHeaderBytes(this: ClientHttp2Session, headers?: OutgoingHttpHeaders, options?: object) {
    const stream = request.call(this, headers, options) as ClientHttp2Stream;
    // Before undici's own listener, which reads the same object.
    stream.prependOnceListener('response', headerValuesAsBytes);
    return stream;
  } as typeof session.request;
}

function headerValuesAsBytes(headers: IncomingHttpHeaders): void {
  const values = headers as Record<string, unknown>;
  for (const name in values) {
    const value = values[name];
    if (typeof value === 'string') {
      if (PAST_ASCII.test(value)) values[name] = Buffer.from(value, 'latin1');
    } else if (Array.isArray(value) && value.some((each) => typeof each === 'string' && PAST_ASCII.test(each))) {
      values[name] = value.map((each: unknown) => (typeof each === 'string' ? Buffer.from(each, 'latin1') : each));
    }
  }
}
