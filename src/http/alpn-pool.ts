import type * as Undici from 'undici';
import { kDispatch, kMaxConcurrentStreams, kQueued } from 'undici/lib/core/symbols.js';
import { kClients, kGetDispatcher } from 'undici/lib/dispatcher/pool-base.js';
import { FreeListPool } from './free-list-pool.js';
import { prepareH2Session } from './h2-session.js';
import { Client } from './undici-parts.js';

/** What PoolBase counts of its own queue, and its dispatch (undici's types show neither). */
interface PoolBaseInternals {
  [kQueued]: number;
  [kDispatch](options: Undici.Dispatcher.DispatchOptions, handler: Undici.Dispatcher.DispatchHandler): boolean;
}

/**
 * undici's Request: a request is idempotent when it says so, or else when it
 * is a GET or a HEAD (narrower than the HTTP meaning that retries go by,
 * retry-policy's isIdempotent). Over HTTP/2 undici starts one that is not
 * only when nothing else runs on its connection.
 */
function idempotentToUndici(options: Undici.Dispatcher.DispatchOptions): boolean {
  return options.idempotent ?? (options.method === 'GET' || options.method === 'HEAD');
}

/** Streams one HTTP/2 connection carries at once; the server's SETTINGS may lower it. */
const H2_STREAMS = 100;

/** An undici Client as this pool sees it: the server's stream limit, once its SETTINGS came. */
type StreamsClient = Undici.Client & { [kMaxConcurrentStreams]?: number };

/** Pool's dispatch, which queues a request when no client may take it. */
const poolDispatch = (FreeListPool.prototype as unknown as PoolBaseInternals)[kDispatch];

/**
 * An origin's connections with --http2: one that speaks h2 carries up to
 * H2_STREAMS requests, one that does not carries one at a time.
 *
 * undici multiplexes streams only with pipelining > 1, and pipelining
 * HTTP/1.1 requests behind each other is fragile on real servers, so each
 * connection's pipelining follows what ALPN chose for it.
 *
 * While the origin may speak h2, one connection is opened at a time: a client
 * takes no second request before its connection is open, so opening one for
 * each request that finds the others busy cost a child --concurrency TLS
 * handshakes to an h2 server that then carried every stream on one or two of
 * them (bench/CHANGELOG.md, entry 28). The requests that arrive meanwhile
 * wait in the pool's queue, as curl -Z waits to see whether a transfer can be
 * multiplexed (unless given --parallel-immediate). When the connection opens:
 * - h2: it takes up to H2_STREAMS of the waiting requests, and the next
 *   connection is opened if more wait;
 * - HTTP/1.1: a connection is opened for each waiting request, up to the
 *   limit, as undici's Pool does, and so from then on;
 * - it failed: likewise, so that an origin that does not answer costs its
 *   requests one connect timeout, not one each in turn.
 *
 * A server may allow fewer streams at once than H2_STREAMS (SETTINGS_MAX_
 * CONCURRENT_STREAMS: nghttpd and Apache 100, some 10 or fewer). undici
 * takes H2_STREAMS requests on the connection anyway, and node:http2 queues
 * those over the server's limit: the origin then ran that many at a time,
 * whatever --concurrency said. Each dispatch holds an h2 connection to its
 * server's limit instead, so that a request beyond it finds the connection
 * busy and opens another, as curl does. Likewise a server that takes fewer
 * streams a connection, in all, than H2_STREAMS before a graceful GOAWAY
 * (#learnTakes).
 *
 * A request that is not idempotent (a POST, say) is never held: undici starts
 * one on an h2 connection only when nothing else runs there, so such requests
 * need a connection each, as over HTTP/1.1, and opening them one at a time
 * would cost a handshake each before the run reached its concurrency.
 */
export class AlpnPool extends FreeListPool {
  /** What the last connection to tell chose: h2 (true), HTTP/1.1 or a failed connect (false), or nothing yet. */
  #multiplexed: boolean | undefined;
  /** The connection being opened while the origin may speak h2: no other is opened meanwhile. */
  #opening: Undici.Client | undefined;
  /** The request being dispatched now is not idempotent: it may open a connection whatever is being opened. */
  #alone = false;
  /** Streams the origin's server allows a connection, as its last SETTINGS said (H2_STREAMS at most). */
  #streams = H2_STREAMS;
  /** Streams the origin's server takes on a connection, in all, before a graceful GOAWAY turns more away. */
  #takes = Infinity;

  constructor(origin: string | URL, options: Undici.Pool.Options) {
    // The factory runs only once the pool exists (for its first request).
    let pool!: AlpnPool;
    super(origin, { ...options, factory: (clientOrigin, clientOptions) => pool.#newClient(clientOrigin, clientOptions as Undici.Client.Options) });
    pool = this;
    // Plain http has no ALPN to ask, and undici speaks h2 only over TLS.
    this.#multiplexed = new URL(origin).protocol === 'https:' ? undefined : false;
    // A connector that threw never called back: undici reports it here (unless the client was destroyed).
    this.on('connectionError', (_origin, targets) => {
      if (this.#opening !== undefined && targets.includes(this.#opening)) this.#failed(this.#opening);
    });
  }

  [kDispatch](options: Undici.Dispatcher.DispatchOptions, handler: Undici.Dispatcher.DispatchHandler): boolean {
    if (this.#multiplexed === true) this.#holdToServerStreams();
    this.#alone = !idempotentToUndici(options);
    try {
      return poolDispatch.call(this, options, handler);
    } finally {
      this.#alone = false;
    }
  }

  protected override mayOpen(): boolean {
    if (this.#multiplexed === false || this.#alone) return true;
    const opening = this.#opening;
    return opening === undefined || opening.destroyed || opening.closed;
  }

  #newClient(origin: string | URL, options: Undici.Client.Options): Undici.Client {
    const connect = options.connect as Undici.buildConnector.connector;
    const client: Undici.Client = new Client(origin, {
      ...options,
      connect: (opts, callback) =>
        connect(opts, (error, socket) => {
          if (socket) this.#told(client, (socket as { alpnProtocol?: string | false }).alpnProtocol === 'h2');
          else this.#failed(client);
          (callback as (e: Error | null, s: unknown) => void)(error, socket);
        }),
    });
    // Before undici writes any request on a new h2 session.
    client.on('connect', () =>
      prepareH2Session(client, {
        streamsPerConnection: () => this.#takes,
        onStreamsTaken: (streams) => this.#learnTakes(streams),
        // undici's loop, writing the session's last stream now, writes no more there (pipelining 1, that stream running).
        onFull: () => {
          client.pipelining = 1;
        },
        // Let go: the client opens its next connection for what waits.
        onRetired: () => {
          if (!client.destroyed && !client.closed) client.pipelining = Math.max(1, Math.min(this.#streams, this.#takes));
        },
      }),
    );
    if (this.#multiplexed !== false && !this.#alone) this.#opening = client;
    return client;
  }

  /** A connection of `client` is open and ALPN chose h2 or not (a client that reconnects tells again). */
  #told(client: Undici.Client, h2: boolean): void {
    client.pipelining = h2 ? this.#streams : 1;
    this.#multiplexed = h2;
    if (client !== this.#opening) return;
    this.#opening = undefined;
    // After undici has emitted 'connect' and the client has taken from the queue what it can.
    queueMicrotask(() => this.#openForQueued());
  }

  /**
   * Lowers each h2 connection's pipelining to the streams its server's
   * SETTINGS allow, which undici records on the client as they arrive (after
   * the connection opened, so not at #told), and to those the server takes
   * before its GOAWAY (#learnTakes). A few clients per h2 origin:
   * cheap for every dispatch.
   */
  #holdToServerStreams(): void {
    for (const client of this[kClients] as StreamsClient[]) {
      const allowed = Math.max(1, Math.min(H2_STREAMS, this.#takes, client[kMaxConcurrentStreams] ?? H2_STREAMS));
      if (client.pipelining > 1 && client.pipelining > allowed) {
        client.pipelining = allowed;
        this.#streams = allowed;
      }
    }
  }

  /**
   * A server that ends each connection with a graceful GOAWAY after N streams (a request cap per connection)
   * turns away every stream sent past the Nth: with 100 streams a connection and N at 20, 80 of each 100 were
   * refused, sent again on the next connection, which took 20 of them in turn, and records ran out of sends
   * (131 of 2,000 ECONNRESET at --concurrency 200; curl -Z lost 166). From the first such GOAWAY on, each
   * connection carries that many streams in all (h2-session.ts lets it go then) and no more at once. Held to that
   * many at once alone, a connection whose first answers came fast took more before the server's GOAWAY came,
   * and they were turned away in turn. Learned from one connection, not two: waiting for a second (and taking
   * the fewer) cost about a record in a thousand a third refusal, its last send. A server reloading gracefully
   * turns streams away too, after however many a connection had taken: learned from a young connection, the run
   * then opens more connections to that origin than it needed (a reload at the first connection's second stream:
   * a connection for every 2 records, 10,000 records in 6.5 s instead of 2.5), and loses nothing. nginx takes
   * 1,000 (keepalive_requests).
   */
  #learnTakes(streams: number): void {
    if (streams >= this.#takes) return;
    this.#takes = streams;
    this.#holdToServerStreams();
  }

  /** A connection of `client` could not be opened: if it was the one waited for, the queue fans out. */
  #failed(client: Undici.Client): void {
    if (client !== this.#opening) return;
    this.#opening = undefined;
    this.#multiplexed = false;
    // After undici has failed the connection's own request and dropped its client.
    queueMicrotask(() => this.#openForQueued());
  }

  /**
   * Opens connections for the requests still queued, one at a time: a new
   * client takes its share of the queue in a microtask (undici's PoolBase),
   * so the next one is opened in a microtask behind it, while requests wait
   * and the limit and mayOpen allow.
   */
  #openForQueued(): void {
    if ((this as unknown as PoolBaseInternals)[kQueued] === 0) return;
    const before = this[kClients].length;
    this[kGetDispatcher]();
    if (this[kClients].length > before) queueMicrotask(() => this.#openForQueued());
  }
}
