import type * as Undici from 'undici';
import { Agent, Client, buildConnector } from './undici-parts.js';
import { createProxyRouter, proxyChoice } from './proxy-router.js';
import { cachedLookup, lookupSlots } from './dns-cache.js';
import { MAX_HEADER_BYTES } from './error-codes.js';
import { preparingHttp1Sockets } from './http1-socket.js';
import { oneShot } from './one-shot.js';
import { FreeListPool } from './free-list-pool.js';
import { AlpnPool } from './alpn-pool.js';
import { lazyTlsContext } from './tls-context.js';
import { markingStalledHandshakes } from './stalled-handshake.js';
import { timingConnectsExactly } from './connect-timer.js';
import { parseSocksUrl, socksTunnel } from './socks-tunnel.js';
import { resolvingProxyNames } from './proxy-resolve.js';
import { familyLookup, proxyOfOtherFamily, refusingOtherFamily, type IpFamily } from './address-family.js';
import type { SecureContext } from 'node:tls';
import type { SocketBudget } from './socket-budget.js';
import { silentOnceClosed } from './silent-once-closed.js';

export interface TransportOptions {
  concurrency: number;
  connectTimeout: number;
  insecure: boolean;
  /** PEM texts: CAs to trust instead of the default ones, a client certificate and its key. */
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  /** Explicit proxy (--proxy); otherwise http_proxy / HTTPS_PROXY / NO_PROXY from `env`. */
  proxy?: string | undefined;
  /** --noproxy: replaces NO_PROXY from `env`. */
  noProxy?: string | undefined;
  http2: boolean;
  /** 'host:port' -> IP address (--resolve); host '*' matches any. */
  resolve: Record<string, string>;
  /** 'host1:port1' -> 'host2:port2' (--connect-to); '*' matches any, an empty target part keeps the request's. */
  connectTo?: Record<string, string> | undefined;
  /** -4 / -6: connect over this IP version only (the proxy's connection too). */
  family?: IpFamily | undefined;
  env?: NodeJS.ProcessEnv;
  /** Holds every connection (any origin, or the proxy) to this many open at once. */
  budget?: SocketBudget;
  /** NODE_EXTRA_CA_CERTS's file, which this process was started without (src/wire/child-env.ts). */
  extraCaFile?: string | undefined;
}

const DNS_TTL_MS = 30_000;
const DNS_MAX_HOSTS = 1000;
/** How long one address of a name with several gets before the next is tried (Node's default: 250 ms). */
const ADDRESS_ATTEMPT_MS = 2000;

/**
 * One keep-alive dispatcher per child. undici pools connections per origin;
 * bounding them by the child's concurrency keeps a single slow origin from
 * opening more sockets than there can be requests, and keep-alive reuses them.
 *
 * Every feature is wired in only when asked for, so the default path is a plain
 * Agent with a connector that only adds a cached DNS lookup, and a request to
 * an origin asked only once gets a Client of its own (oneShot).
 */
export function createDispatcher(options: TransportOptions): Undici.Dispatcher {
  const tls = {
    ...(options.insecure ? { rejectUnauthorized: false } : {}),
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    ...(options.cert !== undefined ? { cert: options.cert, key: options.key ?? options.cert } : {}),
  };
  const cached = cachedLookup({ ttlMs: DNS_TTL_MS, maxHosts: DNS_MAX_HOSTS, maxLookups: lookupSlots(), abandonAfterMs: options.connectTimeout });
  const { family } = options;
  const lookup = family ? familyLookup(cached, family) : cached;
  // A name with several addresses (localhost: 127.0.0.1 and ::1) is tried an address at a time, and Node
  // gives each 250 ms before it drops it for the next: a server slow to accept under load (a full backlog)
  // was given up on in 250 ms, its records ETIMEDOUT (3 % of closed ports too). Each gets 2 s now, within
  // --connect-timeout: a dropped SYN is sent again after 1 s, and a blackholed address still yields to the next.
  // At most half of --connect-timeout: `-m`'s habit `--connect-timeout 1` gave the whole of it to 127.0.0.1, and
  // localhost never reached ::1, where curl's answer came from in 0.2 s.
  const eachAddressInTurn = { autoSelectFamily: true, autoSelectFamilyAttemptTimeout: Math.max(10, Math.min(options.connectTimeout / 2, ADDRESS_ATTEMPT_MS)) };
  const connectorOptions = {
    timeout: options.connectTimeout,
    allowH2: options.http2,
    lookup,
    ...eachAddressInTurn,
    ...tls,
  } as Undici.buildConnector.BuildOptions;
  // Built once, at the first https connection, instead of by tls.connect for every one (see lazyTlsContext).
  const tlsContext = lazyTlsContext({ ca: options.ca, cert: options.cert, key: options.key, extraCaFile: options.extraCaFile, insecure: options.insecure });
  const tlsOrPlain = sharingTlsContext(connectorOptions, tlsContext);
  const built = preparingHttp1Sockets(tlsOrPlain);
  const base = options.budget ? options.budget.wrap(built) : built;
  const connect = (connector: Undici.buildConnector.connector): Undici.buildConnector.connector => {
    // Inside --resolve: its address is checked as a URL's would be.
    const checked = family ? refusingOtherFamily(connector, family) : connector;
    const resolved = Object.keys(options.resolve).length > 0 ? withResolve(checked, options.resolve) : checked;
    // Outside --resolve: as in curl, --resolve applies to the host --connect-to sends to.
    return options.connectTo && Object.keys(options.connectTo).length > 0 ? withConnectTo(resolved, options.connectTo) : resolved;
  };
  const agentOptions: Undici.Agent.Options = {
    connections: options.concurrency,
    pipelining: 1,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    // undici keeps a connection for a server's `Keep-Alive: timeout=N` less 2 s, so N of 1 or 2 (Node's server says
    // timeout=1 for a keepAliveTimeout under 2 s) closed it after each response: a connection, and over TLS a
    // handshake, for every request (3-10x slower), where curl reuses it. Half a second: a request that still meets
    // the server's close goes again at once on a new connection (stale-connection.ts).
    keepAliveTimeoutThreshold: 500,
    // Off: every attempt has its own whole-attempt timer (send-request.ts), started
    // before these would be and never longer. undici's would cost a timer object
    // per request that its timer list keeps for up to a second after it is
    // cleared, long enough to be promoted into V8's old space (bench/CHANGELOG.md, entry 25).
    headersTimeout: 0,
    bodyTimeout: 0,
    // 256 KiB where Node's default is 16: see MAX_HEADER_BYTES.
    maxHeaderSize: MAX_HEADER_BYTES,
    connect: connect(base),
    ...(options.http2 ? { allowH2: true, factory: alpnPool } : {}),
  };
  const proxies = proxyChoice(options.proxy, options.env ?? process.env, options.noProxy);
  // Each origin's connections in a FreeListPool rather than undici's Pool (see there).
  const direct = new Agent({ factory: originPool, ...agentOptions });
  if (!proxies) {
    // A request marked onlyUse skips the Agent's per-origin Pool (see oneShot); its connection
    // closes once the budget sees it idle. Through a proxy the connection is the proxy's, shared
    // by every origin: those requests go through the router below like any other.
    return options.budget ? direct.compose(oneShot({ ...agentOptions, connect: connect(options.budget.wrap(built, { closeWhenIdle: true })) })) : direct;
  }
  // --resolve HOST:PORT:ADDR for the proxy's own name, as curl takes it (proxy-resolve.ts).
  const proxyLookup = resolvingProxyNames(lookup, [proxies.httpProxy, proxies.httpsProxy], options.resolve) ?? lookup;
  // Through a proxy the connectors are undici's own, built now: the context is too.
  const context = tlsContext();
  const tlsWithContext = context ? { ...tls, secureContext: context } : tls;
  // Through a SOCKS5 proxy: the same Agent as direct, its connections tunnelled (TLS then started on them as on a direct one).
  const viaSocks = (uri: string): Undici.Dispatcher => {
    const socks = parseSocksUrl(uri);
    const tunnel = proxyOfOtherFamily(socks.host, family) ?? preparingHttp1Sockets(socksTunnel(socks, { timeout: options.connectTimeout, lookup: proxyLookup, upgrade: tlsOrPlain }));
    return new Agent({ factory: originPool, ...agentOptions, connect: connect(options.budget ? options.budget.wrap(tunnel) : tunnel) });
  };
  return createProxyRouter(
    proxies,
    direct,
    {
      ...agentOptions,
      // Plain http targets go as absolute-form requests, as curl sends them:
      // many proxies allow CONNECT to port 443 only.
      proxyTunnel: false,
      // TLS inside the CONNECT tunnel offers h2 too with --http2 (AlpnPool raises pipelining then).
      // Both connectors are undici's, whose own connect timeout (10 s) is --connect-timeout's only if given.
      requestTls: { ...tlsWithContext, timeout: options.connectTimeout, ...(options.http2 ? { allowH2: true } : {}) },
      // The proxy's own connection is looked up as a direct one is (undici's connector, with our lookup): it keeps to
      // -4 / -6, and a name of several addresses is tried at each in turn. With the system's lookup, `-x
      // http://localhost:3128` went to 127.0.0.1 alone (/etc/hosts), ECONNREFUSED from a proxy listening on ::1.
      proxyTls: {
        ...tlsWithContext,
        timeout: options.connectTimeout,
        lookup: proxyLookup,
        ...eachAddressInTurn,
      },
    } as Undici.EnvHttpProxyAgent.Options,
    viaSocks,
    options.connectTimeout,
    family ? (proxyConnect) => refusingOtherFamily(proxyConnect, family) : undefined,
    options.budget ? (connector) => (options.budget as SocketBudget).wrap(connector) : undefined,
  );
}

/**
 * A connector that gives every https connection the one context (built at the
 * first); plain http connections never pay for it. Without a context (bad
 * PEM) the options alone go to tls.connect, which fails the connection.
 */
function sharingTlsContext(timedOptions: Undici.buildConnector.BuildOptions, tlsContext: () => SecureContext | undefined): Undici.buildConnector.connector {
  // undici's own timer a second behind ours, a backstop: its coarse clock (a tick of half a second) can read up to a tick
  // old when a connect starts, and on a busy loop it fired first, with its words ("attempted address: NAME:PORT" for a
  // name still with the resolver).
  const connectorOptions = timedOptions.timeout ? { ...timedOptions, timeout: timedOptions.timeout + UNDICI_TIMER_BEHIND_MS } : timedOptions;
  const plain = buildConnector(connectorOptions);
  let https: Undici.buildConnector.connector | undefined;
  const connector: Undici.buildConnector.connector = (opts, callback) => {
    if (opts.protocol !== 'https:') return plain(opts, callback);
    if (!https) {
      const context = tlsContext();
      https = markingStalledHandshakes(context ? buildConnector({ ...connectorOptions, secureContext: context }) : plain);
    }
    return https(withoutRootDot(opts), callback);
  };
  // Timed around the context's making too: the first https connection builds it (the CA store, tens of ms)
  // before its connect, and 0.5 s ended at 0.56 s.
  return timedOptions.timeout ? timingConnectsExactly(connector, timedOptions.timeout) : connector;
}

/** How far behind bulkfetch's own connect timer undici's runs (sharingTlsContext). */
const UNDICI_TIMER_BEHIND_MS = 1_000;

/**
 * A name written with the DNS root's dot (`example.com.`) goes to SNI without it, as RFC 6066 (3) has it
 * and curl sends it: undici passed `example.com.` on, which a server picking its certificate by name
 * finds no certificate for. The certificate is checked against the name without it too, as Node reads both alike.
 */
function withoutRootDot(opts: Undici.buildConnector.Options): Undici.buildConnector.Options {
  const name = opts.servername || opts.hostname;
  return name.endsWith('.') ? { ...opts, servername: name.replace(/\.+$/, '') } : opts;
}

/**
 * curl's --resolve (a `*` host matches every host on that port; a named entry
 * wins over it): connect to the given address, but keep the host name for
 * the Host header, TLS SNI and certificate checks (undici derives the server
 * name from `host`, which is left alone).
 */
function withResolve(connect: Undici.buildConnector.connector, resolve: Record<string, string>): Undici.buildConnector.connector {
  return (opts, callback) => {
    const port = connectPort(opts);
    const address = resolve[`${opts.hostname.toLowerCase()}:${port}`] ?? resolve[`*:${port}`];
    connect(address === undefined ? opts : { ...opts, hostname: address }, callback);
  };
}

/** The port a connection is for: the URL's own, or its scheme's. */
function connectPort(opts: Undici.buildConnector.Options): string {
  return opts.port || (opts.protocol === 'https:' ? '443' : '80');
}

/**
 * curl's --connect-to: the connection for HOST1:PORT1 goes to HOST2:PORT2
 * (the most specific entry: host and port, host, port, any), while the
 * request keeps its own host for the Host header, TLS SNI and the
 * certificate check (undici derives those from `host`, left alone).
 */
function withConnectTo(connect: Undici.buildConnector.connector, connectTo: Record<string, string>): Undici.buildConnector.connector {
  return (opts, callback) => {
    const port = connectPort(opts);
    const host = opts.hostname.toLowerCase();
    const target = connectTo[`${host}:${port}`] ?? connectTo[`${host}:*`] ?? connectTo[`*:${port}`] ?? connectTo['*:*'];
    if (target === undefined) return connect(opts, callback);
    const colon = target.lastIndexOf(':');
    const toHost = target.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    const toPort = target.slice(colon + 1);
    return connect({ ...opts, ...(toHost !== '' ? { hostname: toHost } : {}), ...(toPort !== '' ? { port: toPort } : {}) }, callback);
  };
}

/** What undici's Agent builds for an origin, with a FreeListPool where it would build a Pool. */
function originPool(origin: URL | string, options: Undici.Agent.Options): Undici.Dispatcher {
  return silentOnceClosed(options.connections === 1 ? new Client(origin, options) : new FreeListPool(origin, options));
}

/** With --http2: each origin's connections carry streams once ALPN says h2 (see AlpnPool). */
function alpnPool(origin: URL | string, options: Undici.Pool.Options): Undici.Dispatcher {
  return silentOnceClosed(new AlpnPool(origin, options));
}
