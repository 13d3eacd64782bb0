import { connect as netConnect, isIP, type LookupFunction, type Socket } from 'node:net';
import { hostAndPort } from './address-family.js';
import { lookupTimeoutMessage, watchLookup } from './connect-timer.js';
import { lookingUp } from './dns-cache.js';
import type * as Undici from 'undici';
import { bareHostname } from './split-url.js';

/** A SOCKS5 proxy as -x or a proxy variable names it: socks5:// resolves names here, socks5h:// at the proxy (curl's meanings). */
export interface SocksProxy {
  host: string;
  port: number;
  username?: string | undefined;
  password?: string | undefined;
  /** socks5h: the target's name goes to the proxy, which looks it up. */
  remoteDns: boolean;
}

/** Whether a proxy URL is a SOCKS one (the only kind parseProxyUrl lets through is SOCKS5). */
export function isSocksUrl(href: string): boolean {
  return href.startsWith('socks5:') || href.startsWith('socks5h:');
}

/** The proxy as messages name it, as blameProxy names the others: an IPv6 address in brackets. */
function endpointOf(proxy: SocksProxy): string {
  return hostAndPort(proxy.host, proxy.port);
}

export function parseSocksUrl(href: string): SocksProxy {
  const url = new URL(href);
  return {
    host: bareHostname(url),
    port: Number(url.port || 1080),
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.username === '' ? undefined : decodeURIComponent(url.password),
    remoteDns: url.protocol === 'socks5h:',
  };
}

/** A SOCKS proxy's refusal, or a reply that is not SOCKS5; classified as EPROXY. */
export class SocksError extends Error {
  readonly code = 'ERR_SOCKS';
}

/** RFC 1928's reply codes, in its words. */
const REPLIES: Readonly<Record<number, string>> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

/** undici's code for a connect that took too long, so the error is classified as undici's own is. */
class SocksConnectTimeout extends Error {
  readonly code = 'UND_ERR_CONNECT_TIMEOUT';
  override readonly name = 'ConnectTimeoutError';
}

export interface SocksTunnelOptions {
  /** For the TCP connection to the proxy and the SOCKS exchange together; TLS then has its own. */
  timeout: number;
  /** Looks up the proxy's name, and the target's with socks5:// (the DNS cache's). */
  lookup: LookupFunction;
  /** The connector that starts TLS on a socket it is given (`httpSocket`), for https targets. */
  upgrade: Undici.buildConnector.connector;
}

/**
 * A connector whose connections go through a SOCKS5 proxy (RFC 1928, with
 * RFC 1929's user name and password when the URL has them): a TCP connection
 * to the proxy, its CONNECT to the target, then the target's own protocol on
 * it, TLS started by `upgrade` for https (SNI and certificate checks against
 * the target's name). undici's own Socks5ProxyAgent is marked experimental
 * (a warning on stderr in every process), waits a fixed 5 s, and keeps a pool
 * per origin for the whole run; this one is a connector, so the Agent, the
 * socket budget and the timeouts stay those of a direct run.
 */
export function socksTunnel(proxy: SocksProxy, options: SocksTunnelOptions): Undici.buildConnector.connector {
  return (opts, callback) => {
    const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
    const target = opts.hostname.replace(/^\[(.*)\]$/, '$1');
    const socket = netConnect({ host: proxy.host, port: proxy.port, lookup: options.lookup, noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 });
    let settled = false;
    const finish = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // The listener stays: a later error reaches undici's own listeners too, and finish() ignores it.
      if (error) {
        socket.destroy();
        (callback as (e: Error, s: null) => void)(error, null);
      } else if (opts.protocol === 'https:') {
        options.upgrade({ ...opts, httpSocket: socket }, callback);
      } else {
        (callback as (e: null, s: Socket) => void)(null, socket);
      }
    };
    const progress: HandshakeProgress = { greeted: false, answered: false };
    // The proxy's name, then (socks5://) the target's, may still be with the resolver when the time runs out.
    const proxyLookup = watchLookup(socket, proxy.host);
    const timedOut = (): string =>
      !proxyLookup.done
        ? lookupTimeoutMessage(proxy.host, options.timeout, ", the SOCKS proxy's name")
        : socket.remoteAddress !== undefined && !proxy.remoteDns && isIP(target) === 0 && lookingUp(target)
          ? lookupTimeoutMessage(target, options.timeout, ` (looked up here for the SOCKS proxy ${endpointOf(proxy)}, as socks5:// has it; socks5h:// has the proxy look it up)`)
          : `Connect Timeout Error (attempted address: ${target}:${port} through the SOCKS proxy ${endpointOf(proxy)}, timeout: ${options.timeout}ms)${unansweredGreeting(progress, proxy)}`;
    const timer = setTimeout(() => finish(new SocksConnectTimeout(timedOut())), options.timeout);
    socket.on('error', finish);
    socket.once('connect', () => {
      const address = proxy.remoteDns || isIP(target) !== 0 ? Promise.resolve(target) : lookupOne(options.lookup, target);
      address.then((resolved) => handshake(socket, proxy, resolved, port, progress)).then(() => finish(null), finish);
    });
  };
}

/** How far a SOCKS exchange got, for a timeout to say where it stopped. */
interface HandshakeProgress {
  /** The greeting (version and ways to log in) went to the proxy. */
  greeted: boolean;
  /** The proxy answered it. */
  answered: boolean;
}

/**
 * A proxy that took the TCP connection and never answered the greeting is, as
 * often as not, an HTTP proxy (tinyproxy, squid) given as socks5://: it waits
 * for a request line that never comes, and curl waits with it. Say so.
 */
function unansweredGreeting(progress: HandshakeProgress, proxy: SocksProxy): string {
  if (!progress.greeted || progress.answered) return '';
  return ` (the proxy took the TCP connection but never answered the SOCKS5 greeting: if ${endpointOf(proxy)} is an HTTP proxy, give it as http://)`;
}

/** The target's first address, for socks5:// (the proxy is given an address, not the name). */
function lookupOne(lookup: LookupFunction, hostname: string): Promise<string> {
  return new Promise((resolve, reject) => {
    lookup(hostname, {}, (error, address) => {
      const first = typeof address === 'string' ? address : address?.[0]?.address;
      if (error || !first) reject(error ?? Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }));
      else resolve(first);
    });
  });
}

/** The SOCKS5 exchange up to the CONNECT reply; what the socket reads after it is the target's. */
async function handshake(socket: Socket, proxy: SocksProxy, target: string, port: number, progress: HandshakeProgress): Promise<void> {
  const reader = new ReplyReader(socket);
  try {
    const withPassword = proxy.username !== undefined;
    socket.write(Buffer.from(withPassword ? [5, 2, 0, 2] : [5, 1, 0]));
    progress.greeted = true;
    const [version, method] = await reader.take(2);
    progress.answered = true;
    if (version !== 5) throw new SocksError(`The proxy ${endpointOf(proxy)} does not answer as a SOCKS5 proxy`);
    if (method === 2 && withPassword) {
      const user = Buffer.from(proxy.username ?? '');
      const password = Buffer.from(proxy.password ?? '');
      if (user.length > 255 || password.length > 255) throw new SocksError('SOCKS user name and password are at most 255 bytes each');
      socket.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([password.length]), password]));
      const [, status] = await reader.take(2);
      if (status !== 0) throw new SocksError(`The SOCKS proxy ${endpointOf(proxy)} refused the user name and password`);
    } else if (method !== 0) {
      throw new SocksError(`The SOCKS proxy ${endpointOf(proxy)} takes none of the ways to log in offered (${withPassword ? 'none, user name and password' : 'none: give it user:password@ in the proxy URL'})`);
    }
    socket.write(Buffer.concat([Buffer.from([5, 1, 0]), addressField(target), Buffer.from([port >> 8, port & 0xff])]));
    const [replyVersion, reply, , type] = await reader.take(4);
    if (replyVersion !== 5) throw new SocksError(`The proxy ${endpointOf(proxy)} does not answer as a SOCKS5 proxy`);
    if (reply !== 0) throw new SocksError(`The SOCKS proxy ${endpointOf(proxy)} could not connect to ${target}:${port}: ${REPLIES[reply ?? 1] ?? 'unknown reply'} (reply ${reply})`);
    // The address the proxy bound, and its port: read past.
    const addressLength = type === 1 ? 4 : type === 4 ? 16 : type === 3 ? ((await reader.take(1))[0] ?? 0) : -1;
    if (addressLength < 0) throw new SocksError(`The proxy ${endpointOf(proxy)} gave a SOCKS5 reply of an unknown address type (${type})`);
    await reader.take(addressLength + 2);
  } finally {
    reader.done();
  }
}

/** ATYP and DST.ADDR: IPv4, IPv6, or a name (up to 255 bytes). */
function addressField(target: string): Buffer {
  const family = isIP(target);
  if (family === 4) return Buffer.from([1, ...target.split('.').map(Number)]);
  if (family === 6) return Buffer.concat([Buffer.from([4]), ipv6Bytes(target)]);
  const name = Buffer.from(target);
  if (name.length > 255) throw new SocksError(`A host name of ${name.length} bytes cannot go to a SOCKS5 proxy (at most 255)`);
  return Buffer.concat([Buffer.from([3, name.length]), name]);
}

function ipv6Bytes(address: string): Buffer {
  // Expand '::' and an embedded IPv4 tail into eight 16-bit groups.
  const [head = '', tail = ''] = address.includes('::') ? address.split('::') : [address, ''];
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ipv4Groups(g) : [g])));
  const left = groups(head);
  const right = groups(tail);
  const all = [...left, ...Array.from({ length: 8 - left.length - right.length }, () => '0'), ...right];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

function ipv4Groups(dotted: string): string[] {
  const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

/**
 * Reads exact byte counts off a socket without putting it in flowing mode
 * ('readable' and read()), so nothing of the target's stream is read away:
 * bytes past the reply go back with unshift().
 */
class ReplyReader {
  readonly #socket: Socket;
  #buffered: Buffer = Buffer.alloc(0);
  #want: { count: number; resolve: (bytes: Buffer) => void; reject: (error: Error) => void } | undefined;
  readonly #onReadable = (): void => this.#pump();
  readonly #onEnd = (): void => this.#want?.reject(new SocksError('The SOCKS proxy closed the connection during its handshake'));

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('readable', this.#onReadable);
    socket.once('end', this.#onEnd);
  }

  take(count: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#want = { count, resolve, reject };
      this.#pump();
    });
  }

  done(): void {
    this.#socket.off('readable', this.#onReadable);
    this.#socket.off('end', this.#onEnd);
    if (this.#buffered.length > 0) this.#socket.unshift(this.#buffered);
    this.#buffered = Buffer.alloc(0);
  }

  #pump(): void {
    for (let chunk = this.#socket.read() as Buffer | null; chunk !== null; chunk = this.#socket.read() as Buffer | null) {
      this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    }
    const want = this.#want;
    if (want === undefined || this.#buffered.length < want.count) return;
    this.#want = undefined;
    const bytes = this.#buffered.subarray(0, want.count);
    this.#buffered = this.#buffered.subarray(want.count);
    want.resolve(bytes);
  }
}
