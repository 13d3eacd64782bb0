import type * as Undici from 'undici';
import { ConnectTimeoutError } from 'undici/lib/core/errors.js';
import { hostAndPort } from './address-family.js';
import { lookupTimeoutMessage, timingConnectsExactly } from './connect-timer.js';
import { lookingUp } from './dns-cache.js';
import { markProxyLeg } from './proxy-leg.js';

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
 * A CONNECT the proxy took no answer to within --connect-timeout: curl's
 * connect timeout covers the tunnel too. undici bounds the proxy's TCP and TLS
 * connect alone, so a proxy that accepted and never answered held the attempt
 * to --timeout. undici's code for a connect timeout: ECONNECTTIMEOUT, retried as one.
 */
export class ProxyConnectTimeout extends Error {
  readonly code = 'UND_ERR_CONNECT_TIMEOUT';

  constructor(proxy: string, target: string, timeoutMs: number, overTls = false, tcpUnanswered = false) {
    // An https:// proxy's TLS handshake is in the time too: a plain-HTTP proxy given as https:// (https_proxy=https://...,
    // a common slip) never answers it, and no CONNECT was sent; curl says "SSL connection timeout".
    const tls = overTls ? ` (or the TLS handshake with it: if it speaks plain HTTP, give it as http://${proxy})` : '';
    // The proxy's name still with the resolver: nothing was connected to (curl: "Resolving timed out").
    const proxyName = proxy.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    // An http:// proxy's own connect that timed out: the CONNECT was never sent, and saying it went unanswered misled.
    super(
      lookingUp(proxyName)
        ? lookupTimeoutMessage(proxyName, timeoutMs, `, the proxy's name (no CONNECT to ${target} was sent)`)
        : tcpUnanswered
          ? `The proxy ${proxy} did not take the connection within --connect-timeout (${timeoutMs} ms): its TCP connect got no answer, so no CONNECT to ${target} was sent`
          : `The proxy ${proxy} did not answer the CONNECT to ${target} within --connect-timeout (${timeoutMs} ms)${tls}`,
    );
  }
}

/**
 * A CONNECT's connection closed, reset or broken before its answer. Only the
 * first made undici connect again at once (see ProxyTunnelClosed); the others
 * are wrapped too, so that every such line names the proxy and the target.
 */
const TUNNEL_DROPPED = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/**
 * The CONNECTs not yet answered, each known by the signal timingTunnelsExactly gave its connection's options
 * (undici's ProxyAgent hands it on to the CONNECT): what one connection's timeout says follows its own CONNECT,
 * not another record's to the same target.
 */
const pendingConnects = new WeakSet<AbortSignal>();

/**
 * --connect-timeout over the whole of a tunnelled connection to an https target: the CONNECT to the proxy
 * and the TLS handshake inside the tunnel, as curl's covers both. undici's ProxyAgent starts the handshake's
 * own timer (its coarse one, half a second a tick) only once the tunnel is open, so a target that took
 * the TCP connection and never answered TLS ended at the CONNECT's time plus about a second: 300 ms at
 * 1.0 s, 1 s at 1.5 s. The tunnel's connector returns no socket to destroy: at the deadline the
 * connection fails with undici's error, and a socket that comes later is closed. What it says depends on
 * where the connection was: its own CONNECT still unanswered is the proxy's (as the CONNECT's timer says
 * it), else the handshake in the tunnel stalled.
 */
export function timingTunnelsExactly(connect: Undici.buildConnector.connector, timeoutMs: number, proxy: string, proxyOverTls = false): Undici.buildConnector.connector {
  return (opts, callback) => {
    let timedOut = false;
    const target = hostAndPort(opts.hostname, opts.port === '' || opts.port === undefined ? (opts.protocol === 'https:' ? '443' : '80') : opts.port);
    // Never aborted: it names this connection's CONNECT (see pendingConnects).
    const { signal } = new AbortController();
    const timer = setTimeout(() => {
      timedOut = true;
      const error = pendingConnects.has(signal)
        ? new ProxyConnectTimeout(proxy, target, timeoutMs, proxyOverTls)
        : Object.assign(new ConnectTimeoutError(`Connect Timeout Error (attempted address: ${target} through the proxy ${proxy}, timeout: ${timeoutMs}ms)`), { handshakeStalled: true, tunnelled: true });
      (callback as (e: Error | null, s: unknown) => void)(error, null);
    }, timeoutMs);
    connect({ ...opts, signal } as typeof opts, ((error: Error | null, socket: unknown) => {
      clearTimeout(timer);
      if (!timedOut) return (callback as (e: Error | null, s: unknown) => void)(error, socket);
      (socket as { destroy?: () => void } | null)?.destroy?.();
    }) as typeof callback);
  };
}

/**
 * The clientFactory of undici's ProxyAgent: its client to the proxy, whose
 * CONNECT fails with ProxyTunnelClosed where the proxy dropped the connection,
 * and with ProxyConnectTimeout when no answer came within `connectTimeoutMs`.
 * `Pool` is the class of the undici copy the ProxyAgent comes from.
 */
export function tunnelClientFactory(
  Pool: typeof Undici.Pool,
  connectTimeoutMs: number,
  guardConnect: (connect: Undici.buildConnector.connector) => Undici.buildConnector.connector = (connect) => connect,
): (origin: URL, options: Undici.Pool.Options) => Undici.Dispatcher {
  return (origin, options) => {
    // The connection to the proxy, guarded as any proxy leg is (-4 / -6 and a proxy address of the other family).
    // Its TCP connect and TLS handshake timed to the millisecond (connect-timer.ts), as the server's are: undici's
    // own timer, on a half-second tick, ended 0.3 s after 1 s with a silent https:// proxy.
    const pool = new Pool(origin, typeof options.connect === 'function' ? { ...options, connect: timingConnectsExactly(guardConnect(options.connect), connectTimeoutMs) } : options);
    const connect = pool.connect.bind(pool) as (params: Undici.Dispatcher.ConnectOptions) => Promise<Undici.Dispatcher.ConnectData>;
    // ProxyAgent calls the promise form alone.
    Object.defineProperty(pool, 'connect', {
      value: (params: Undici.Dispatcher.ConnectOptions) => {
        const given = params.signal;
        // The request's own signal (an abort, its --timeout) still ends the CONNECT; only an AbortSignal can be joined to the timer.
        const timer = given === undefined || given === null || given instanceof AbortSignal ? AbortSignal.timeout(connectTimeoutMs) : undefined;
        const signal = timer === undefined ? given : given ? AbortSignal.any([given as AbortSignal, timer]) : timer;
        const pending = given instanceof AbortSignal ? given : undefined;
        if (pending) pendingConnects.add(pending);
        const settled = (): void => {
          if (pending) pendingConnects.delete(pending);
        };
        return connect({ ...params, signal }).finally(settled).catch((error: unknown) => {
          const code = (error as { code?: unknown } | null)?.code;
          // The proxy's TCP connect or TLS handshake timed out (connect-timer.ts, as the CONNECT's timer was about
          // to): the same words, whichever fired first; a record that queued behind another's connect got undici's.
          const timedOut = (timer?.aborted === true || code === 'UND_ERR_CONNECT_TIMEOUT') && !(given as AbortSignal | null | undefined)?.aborted;
          const overTls = origin.protocol === 'https:';
          if (timedOut) throw new ProxyConnectTimeout(origin.host, String(params.path), connectTimeoutMs, overTls, !overTls && code === 'UND_ERR_CONNECT_TIMEOUT');
          if (typeof code === 'string' && TUNNEL_DROPPED.has(code)) throw new ProxyTunnelClosed(origin.host, String(params.path), error);
          // Anything else here failed before the tunnel was open: on the connection to the proxy (its TLS handshake).
          markProxyLeg(error);
          throw error;
        });
      },
    });
    return pool;
  };
}
