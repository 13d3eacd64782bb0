import http2 from 'node:http2';

/** node:http2 takes priority options without a word before Node 24 (v24.2 removed priority signaling). */
const PRIORITY_OPTIONS_TAKEN = Number(process.versions.node.split('.')[0]) < 24;

type RequestMethod = (this: http2.ClientHttp2Session, headers?: http2.OutgoingHttpHeaders, options?: http2.ClientSessionRequestOptions) => http2.ClientHttp2Stream;

/**
 * node:http2's `ClientHttp2Session.request()` copies its options with a
 * spread and then adds the four priority defaults to the copy when absent.
 * V8 11 (Node 20) adds properties to an object made by a spread on its slow
 * path: about 4 µs a stream, where Node 24 takes 0.05 µs. undici passes only
 * `endStream` and `signal`, so every stream paid it. Given the defaults up
 * front, the copy is complete and nothing is added (bench/CHANGELOG.md,
 * entry 30).
 *
 * The class is not exported, so the first session this process connects
 * hands over its prototype: `request` there is replaced once, by one that
 * passes the same options with the defaults under them (an option given wins,
 * as it does in Node). Called by a child before its first HTTP/2 connection;
 * the parent never calls it.
 *
 * Not on Node 24 and later: there the copy costs nothing, priority signaling
 * is gone (RFC 9113), and a `weight` option draws a DEP0194 warning.
 */
export function usePriorityDefaults(): void {
  if (!PRIORITY_OPTIONS_TAKEN) return;
  const connect = http2.connect;
  const firstConnect = function (this: unknown, ...args: Parameters<typeof http2.connect>): http2.ClientHttp2Session {
    http2.connect = connect;
    const session = Reflect.apply(connect, this, args) as http2.ClientHttp2Session;
    const prototype = Object.getPrototypeOf(session) as { request: RequestMethod };
    const request = prototype.request;
    prototype.request = function requestWithDefaults(headers, options) {
      // node:http2's own defaults, written out: a spread of a shared defaults object would be a copy again.
      return request.call(this, headers, { weight: 16, parent: 0, exclusive: false, silent: false, ...options });
    };
    return session;
  };
  http2.connect = firstConnect as typeof http2.connect;
}
