import { BlockList, isIP } from 'node:net';
import type * as Undici from 'undici';
import type { ProxyEndpoint } from './error-codes.js';
import { proxyHref, proxyVariable } from './proxy-url.js';
import { isSocksUrl } from './socks-tunnel.js';
import { bareHostname, portOf } from './split-url.js';
import { loadProxyParts } from './undici-parts.js';
import { timingTunnelsExactly, tunnelClientFactory } from './proxy-tunnel-client.js';
import { timingConnectsExactly } from './connect-timer.js';
import { DispatcherGroup } from './dispatcher-group.js';
import { preparingHttp1Sockets } from './http1-socket.js';
import { markingProxyLeg } from './proxy-leg.js';
import { basicAuthorization } from '../input/credentials.js';

export interface ProxyChoice {
  /** Proxy for http: URLs (curl: --proxy, or http_proxy). */
  httpProxy?: string | undefined;
  /** Proxy for https: URLs (curl: --proxy, or https_proxy). */
  httpsProxy?: string | undefined;
  /** NO_PROXY's value: hosts reached directly. */
  noProxy: string;
}

/**
 * The proxies curl would use, from --proxy or the environment: http_proxy is
 * for http URLs only and https_proxy for https URLs only (undici's
 * EnvHttpProxyAgent would send https through http_proxy when https_proxy is
 * unset), all_proxy for either without its own, NO_PROXY applies to all
 * (--noproxy's list in its place when given, as curl's --noproxy). Undefined
 * when no proxy applies.
 */
export function proxyChoice(proxy: string | undefined, env: NodeJS.ProcessEnv, noProxy?: string): ProxyChoice | undefined {
  // --proxy '' (curl's -x ""): direct, the variables ignored.
  if (proxy === '') return undefined;
  // As curl reads them (proxy-url.ts): a variable that names no usable proxy was refused before the run.
  const httpProxy = proxy ?? proxyHref(proxyVariable(env, 'http')?.[1]);
  const httpsProxy = proxy ?? proxyHref(proxyVariable(env, 'https')?.[1]);
  if (httpProxy === undefined && httpsProxy === undefined) return undefined;
  // An empty variable is unset, as curl's getenv reads it (and as the proxy variables are read here): no_proxy=''
  // hid NO_PROXY, and hosts it names went through the proxy.
  return { httpProxy, httpsProxy, noProxy: noProxy ?? (env.no_proxy || env.NO_PROXY || '') };
}

/** The proxies' endpoints, for an error met on the way to one to say so (blameProxy). */
export function proxyEndpoints(choice: ProxyChoice | undefined): ProxyEndpoint[] {
  const hrefs = choice === undefined ? [] : [...new Set([choice.httpProxy, choice.httpsProxy])];
  return hrefs.flatMap((href) => {
    if (href === undefined) return [];
    const url = new URL(href);
    // Node's errors name an IPv6 proxy by its bare address.
    return [{ hostname: bareHostname(url), port: portOf(url), forwardsHttp: url.protocol === 'http:' }];
  });
}

/**
 * One dispatcher per scheme: through its proxy (NO_PROXY hosts direct: names
 * by undici's EnvHttpProxyAgent for an HTTP(S) proxy and by noProxyNames for
 * a SOCKS one, subnets by splitNoProxy) or, with no proxy for that scheme,
 * direct. `viaSocks` builds the dispatcher for a SOCKS5 proxy's URL.
 */
export function createProxyRouter(
  choice: ProxyChoice,
  direct: Undici.Dispatcher,
  proxyOptions: Undici.EnvHttpProxyAgent.Options,
  viaSocks: (uri: string) => Undici.Dispatcher,
  /** --connect-timeout: it bounds an HTTP proxy's CONNECT too, as curl's does. */
  connectTimeoutMs: number,
  /** What the connection to an HTTP(S) proxy goes through too (-4 / -6: refusingOtherFamily, as a URL's own connection). */
  guardProxyConnect: (connect: Undici.buildConnector.connector) => Undici.buildConnector.connector = (connect) => connect,
  /**
   * The child's socket budget (socket-budget.ts), as a direct or SOCKS connection is held to it: a connection to the
   * proxy and a tunnel through it are a descriptor each. Without it a child went past --concurrency + 128 through an
   * HTTP proxy (580 descriptors at --concurrency 200), and under a low ulimit -n records failed EMFILE.
   */
  budgeted: (connect: Undici.buildConnector.connector) => Undici.buildConnector.connector = (connect) => connect,
): Undici.Dispatcher {
  const { subnets, names } = splitNoProxy(choice.noProxy);
  const through = (uri: string | undefined): Undici.Dispatcher => {
    if (uri === undefined) return direct;
    if (isSocksUrl(uri)) return viaSocks(uri);
    // Loaded only for an HTTP(S) proxy: see loadProxyParts.
    const { EnvHttpProxyAgent, Pool } = loadProxyParts();
    const targets = proxyOptions.factory;
    // undici's wrapper for plain http through an HTTP proxy makes its client to the proxy with the
    // same factory, then dispatches on it through undici's internal symbol, which a pool of the
    // bundle's undici copy (--http2's AlpnPool) lacks: "this[#client][kDispatch] is not a function".
    // The proxy gets a pool of the proxy agents' own copy; the targets keep the factory.
    const proxyUrl = new URL(uri);
    const proxyOrigin = proxyUrl.origin;
    // Every connection that carries requests gets what a direct one gets (http1-socket.ts: a paused body
    // finished at the socket's end, a kept-alive reset told apart ...): the connection to the proxy for
    // plain http, the TLS connection inside a CONNECT tunnel for https. undici builds both connectors itself.
    // One pool to the proxy for every plain-http target, as curl keeps one connection for them all: undici's
    // wrapper asked for a pool a target host, each keeping its connections alive, and a list of 2,000 hosts at
    // --concurrency 2 held 1,359 connections to the proxy (EMFILE under a low ulimit). The wrappers close it each
    // as the run ends; a pool takes a second close as done.
    let toProxyPool: Undici.Dispatcher | undefined;
    const factory = (origin: string | URL, options: Undici.Pool.Options): Undici.Dispatcher => {
      const toProxy = new URL(String(origin)).origin === proxyOrigin;
      // A target's connection is the tunnel (ProxyAgent's connector: a CONNECT, then TLS inside it), timed as a whole.
      const prepared = typeof options.connect === 'function' ? { ...options, connect: preparingHttp1Sockets(budgeted(toProxy ? markingProxyLeg(timingConnectsExactly(guardProxyConnect(options.connect), connectTimeoutMs)) : timingTunnelsExactly(options.connect, connectTimeoutMs, proxyUrl.host, proxyUrl.protocol === 'https:'))) } : options;
      // undici's wrapper hands the factory its connector alone: the pool gets the agent's options too. Without
      // --concurrency as its bound, a request dispatched as the last one ended (its connection not yet marked free)
      // opened another connection, and a child held two a slot, where a direct run holds one.
      if (toProxy) return (toProxyPool ??= new Pool(origin, { ...connectionOptions(proxyOptions), ...prepared }));
      return targets === undefined ? new Pool(origin, prepared) : targets(origin, prepared);
    };
    const token = halfCredentials(uri);
    return new EnvHttpProxyAgent({ ...proxyOptions, ...(token ? { token } : {}), factory, httpProxy: uri, httpsProxy: uri, noProxy: names, clientFactory: tunnelClientFactory(Pool, connectTimeoutMs, guardProxyConnect) });
  };
  const http = through(choice.httpProxy);
  const https = choice.httpsProxy === choice.httpProxy ? http : through(choice.httpsProxy);
  const all = [...new Set([direct, http, https])];
  // NO_PROXY's names for a SOCKS proxy, per scheme (an HTTP proxy's EnvHttpProxyAgent matches them itself).
  // Without names nothing is checked per request.
  const namedDirect = names === '' ? undefined : noProxyNames(names);
  const socksBypass = (uri: string | undefined) => (uri !== undefined && isSocksUrl(uri) ? namedDirect : undefined);
  const httpBypass = socksBypass(choice.httpProxy);
  const httpsBypass = socksBypass(choice.httpsProxy);

  class ProxyRouter extends DispatcherGroup {
    override dispatch(options: Undici.Dispatcher.DispatchOptions, handler: Undici.Dispatcher.DispatchHandler): boolean {
      const origin = String(options.origin ?? '');
      if (subnets !== undefined && inSubnets(subnets, origin)) return direct.dispatch(options, handler);
      const secure = origin.startsWith('https:');
      if ((secure ? httpsBypass : httpBypass)?.(origin)) return direct.dispatch(options, handler);
      return (secure ? https : http).dispatch(options, handler);
    }

    protected override members(): Undici.Dispatcher[] {
      return all;
    }
  }
  return new ProxyRouter();
}

/** What an Agent's pools are built with, for the pool to the proxy that undici's wrapper builds with its connector alone. */
function connectionOptions(options: Undici.Pool.Options): Undici.Pool.Options {
  const { connections, pipelining, keepAliveTimeout, keepAliveMaxTimeout, keepAliveTimeoutThreshold, headersTimeout, bodyTimeout, maxHeaderSize } = options;
  return { connections, pipelining, keepAliveTimeout, keepAliveMaxTimeout, keepAliveTimeoutThreshold, headersTimeout, bodyTimeout, maxHeaderSize };
}

/**
 * The Proxy-Authorization of a proxy URL with a user name and no password, or a password and no user
 * name (`http://APIKEY:@proxy`, as scraping proxies take a key): undici sends credentials only when both
 * are there, and such a proxy got none (407). curl sends `APIKEY:` as given. Undefined otherwise.
 */
function halfCredentials(uri: string): string | undefined {
  const { username, password } = new URL(uri);
  if ((username === '') === (password === '')) return undefined;
  return basicAuthorization(decodeURIComponent(username), decodeURIComponent(password));
}

/**
 * NO_PROXY as curl (7.86+) reads it: an entry with a /prefix is a subnet that
 * an IP address in a URL is matched against (`10.0.0.0/8`, `fd00::/8`), and so
 * is a bare address (`::1`, `[::1]`, `127.0.0.1`). undici's
 * EnvHttpProxyAgent would read it as a host name and match nothing, sending
 * those requests through the proxy; it gets the other entries.
 */
export function splitNoProxy(noProxy: string): { subnets: Subnets | undefined; names: string } {
  // One list a family: node:net's BlockList matches an IPv4 address against IPv6 rules as ::ffff:a.b.c.d,
  // so `::/0` took in every IPv4 host too, where curl matches an IPv4 host against IPv4 entries alone.
  const subnets: Subnets = { 4: new BlockList(), 6: new BlockList() };
  const names: string[] = [];
  let any = false;
  for (const entry of noProxy.split(/[,\s]+/)) {
    // A bare address is its own subnet: undici reads `::1` as a host and port, and matches nothing.
    const [, address = '', bits] = /^\[?([^/\]]+)\]?(?:\/(\d{1,3}))?$/.exec(entry) ?? [];
    const family = isIP(address);
    const width = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? width : Number(bits);
    if (family !== 0 && prefix <= width) {
      subnets[family === 4 ? 4 : 6].addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
      any = true;
    } else if (entry !== '' && !partialAddress(entry)) names.push(...bothSpellings(entry));
  }
  return { subnets: any ? subnets : undefined, names: names.join(',') };
}

/**
 * An entry of digits and dots that is no whole IPv4 address (`1`, `.1`, `0.0.1`, with a port or not): curl
 * matches an address in a URL against addresses and subnets alone, and no host name is all digits, so it
 * matches nothing. As a name it matched by suffix: `NO_PROXY=0.1` sent 127.0.0.1 around the proxy.
 */
function partialAddress(entry: string): boolean {
  const host = entry.replace(/:\d+$/, '').replace(/^\*?\./, '');
  return /^[\d.]+$/.test(host) && isIP(host) === 0;
}

/**
 * NO_PROXY's names as curl matches them, for a SOCKS proxy (undici's
 * EnvHttpProxyAgent matches them for an HTTP one): `*` is every host; an
 * entry matches its host and the hosts under it (`example.com` and
 * `.example.com` both match `a.example.com`), case aside; `host:port` only
 * that port. True when the origin goes direct.
 */
export function noProxyNames(names: string): (origin: string) => boolean {
  const entries = names.split(',').map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== '');
  if (entries.includes('*')) return () => true;
  const parsed = entries.map((entry) => {
    const port = /^(.*[^:]):(\d+)$/.exec(entry);
    const host = withoutRootDot(port?.[1] ?? entry).replace(/^\*?\./, '').replace(/^\[|\]$/g, '');
    return { host, port: port?.[2] };
  });
  return (origin) => {
    const url = new URL(origin);
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    return parsed.some((entry) => (entry.port === undefined || entry.port === port) && (host === entry.host || host.endsWith(`.${entry.host}`)));
  };
}

/** `localhost.` (the DNS root's dot written) matches as `localhost`, as curl drops it from an entry; a port stays. */
function withoutRootDot(entry: string): string {
  return entry.replace(/([^.])\.(:\d+)?$/, '$1$2');
}

/**
 * An entry as undici matches it against a URL's host as written: with and without the root's dot, as curl drops
 * it from both (`a.test.` in NO_PROXY and `http://a.test/`, or `a.test` and `http://a.test./`, go direct).
 */
function bothSpellings(entry: string): string[] {
  const bare = withoutRootDot(entry);
  if (!/^(?:\*?\.)?[a-z0-9_-]+(?:\.[a-z0-9_-]+)*(?::\d+)?$/i.test(bare)) return [bare];
  const port = /:\d+$/.exec(bare)?.[0] ?? '';
  return [bare, `${bare.slice(0, bare.length - port.length)}.${port}`];
}

/** NO_PROXY's subnets, by family. */
export type Subnets = Record<4 | 6, BlockList>;

/** Whether an origin's host is an IP address inside one of the subnets of its family (a name never is, as in curl). */
export function inSubnets(subnets: Subnets, origin: string): boolean {
  const host = /^[a-z]+:\/\/(\[[^\]]+\]|[^:/]+)/i.exec(origin)?.[1]?.replace(/^\[|\]$/g, '') ?? '';
  const family = isIP(host);
  return family !== 0 && subnets[family === 4 ? 4 : 6].check(host, family === 4 ? 'ipv4' : 'ipv6');
}
