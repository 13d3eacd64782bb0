import type * as Undici from 'undici';

/**
 * A CONNECT whose proxy closed or reset the connection before answering it. Its
 * own code, not undici's UND_ERR_SOCKET: undici's client takes that code for a
 * live connection's loss, keeps the request queued and connects again at once,
 * so a proxy that drops CONNECT (a SOCKS proxy given as http://, a proxy
 * turning the target away) was asked some 3,000 times a second until the
 * attempt timed out (undici issue 3897, fixed in its 8.x only).
 */
export class ProxyTunnelClosed extends Error {
  readonly code = 'ERR_PROXY_TUNNEL_CLOSED';
  /** Reset (ECONNRESET) rather than closed. */
  readonly reset: boolean;

  constructor(proxy: string, target: string, cause: unknown) {
    const reset = (cause as { code?: unknown; cause?: { code?: unknown } } | null)?.cause?.code === 'ECONNRESET' || (cause as { code?: unknown } | null)?.code === 'ECONNRESET';
    super(`The proxy ${proxy} ${reset ? 'reset' : 'closed'} the connection without answering the CONNECT to ${target}`, { cause });
    this.reset = reset;
  }
}

/**
 * A CONNECT's connection closed, reset or broken before its answer. Only the
 * first made undici connect again at once (see ProxyTunnelClosed); the others
 * are wrapped too, so that every such line names the proxy and the target.
 */
const TUNNEL_DROPPED = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/**
 * The clientFactory of undici's ProxyAgent: its client to the proxy, whose
 * CONNECT fails with ProxyTunnelClosed where the proxy dropped the connection.
 * `Pool` is the class of the undici copy the ProxyAgent comes from.
 */
export function tunnelClientFactory(Pool: typeof Undici.Pool): (origin: URL, options: Undici.Pool.Options) => Undici.Dispatcher {
  return (origin, options) => {
    const pool = new Pool(origin, options);
    const connect = pool.connect.bind(pool) as (params: Undici.Dispatcher.ConnectOptions) => Promise<Undici.Dispatcher.ConnectData>;
    // ProxyAgent calls the promise form alone.
    Object.defineProperty(pool, 'connect', {
      value: (params: Undici.Dispatcher.ConnectOptions) =>
        connect(params).catch((error: unknown) => {
          const code = (error as { code?: unknown } | null)?.code;
          throw typeof code === 'string' && TUNNEL_DROPPED.has(code) ? new ProxyTunnelClosed(origin.host, String(params.path), error) : error;
        }),
    });
    return pool;
  };
}
