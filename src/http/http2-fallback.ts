import type * as Undici from 'undici';
import { DispatcherGroup } from './dispatcher-group.js';
import { splitUrl } from './split-url.js';

/** Origins learned to speak only HTTP/2, at most: past it, their records keep the error and its --http2 hint. */
const MAX_HTTP2_ORIGINS = 10_000;

/**
 * Without --http2 a TLS connection offers HTTP/1.1 alone (ALPN): undici's
 * HTTP/1.1 client costs less CPU a request than its HTTP/2 one (bench/CHANGELOG.md,
 * entry 35). A server that speaks only HTTP/2 (nghttpd, gRPC front ends, Node's
 * http2 server without allowHTTP1) refuses such a connection, where curl, whose
 * ALPN offers h2 too, gets its answer. So an origin that refused HTTP/1.1 that
 * way is sent from then on through a second dispatcher, built at the first
 * such origin, whose ALPN offers h2 and HTTP/1.1 as --http2's does; every
 * other origin stays on the first. The request loop says which origins
 * (learn), and sends the refused attempt again.
 */
export class Http2Fallback extends DispatcherGroup {
  readonly #http1: Undici.Dispatcher;
  readonly #buildHttp2: () => Undici.Dispatcher;
  #http2: Undici.Dispatcher | undefined;
  readonly #http2Origins = new Set<string>();

  constructor(http1: Undici.Dispatcher, buildHttp2: () => Undici.Dispatcher) {
    super();
    this.#http1 = http1;
    this.#buildHttp2 = buildHttp2;
  }

  /**
   * Sends `url`'s origin through the HTTP/2 dispatcher from now on: true once
   * it goes there (other requests to it may have been refused before the first
   * was learned), false when no more origins can be learned.
   */
  learn(url: string): boolean {
    const { origin } = splitUrl(url);
    if (this.#http2Origins.has(origin)) return true;
    if (this.#http2Origins.size >= MAX_HTTP2_ORIGINS) return false;
    this.#http2 ??= this.#buildHttp2();
    this.#http2Origins.add(origin);
    return true;
  }

  /** Whether `url`'s origin goes through the HTTP/2 dispatcher. */
  offersHttp2(url: string): boolean {
    return this.#http2Origins.size !== 0 && this.#http2Origins.has(splitUrl(url).origin);
  }

  override dispatch(options: Undici.Dispatcher.DispatchOptions, handler: Undici.Dispatcher.DispatchHandler): boolean {
    // The common case, no origin learned, costs one comparison.
    if (this.#http2Origins.size !== 0 && this.#http2 !== undefined && this.#http2Origins.has(String(options.origin))) return this.#http2.dispatch(options, handler);
    return this.#http1.dispatch(options, handler);
  }

  protected override members(): Undici.Dispatcher[] {
    return this.#http2 ? [this.#http1, this.#http2] : [this.#http1];
  }
}
