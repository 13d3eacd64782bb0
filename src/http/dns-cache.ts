import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';

export interface DnsCacheOptions {
  /** How long an answer is reused. dns.lookup() reports no TTL, so this is a fixed, short bound. */
  ttlMs: number;
  /** Host names remembered at most (least recently used dropped first). */
  maxHosts: number;
  /** Lookups of distinct names running at once; more wait their turn. */
  maxLookups: number;
  /** The real resolver; injectable so tests can count calls. */
  resolve?: (hostname: string, family: number) => Promise<LookupAddress[]>;
}

/** libuv's thread pool when UV_THREADPOOL_SIZE does not say. */
const LIBUV_DEFAULT_THREADS = 4;

/**
 * How many lookups may run at once in a process whose libuv pool has
 * `threads` threads (UV_THREADPOOL_SIZE; a child's follows its concurrency,
 * see childThreadPoolSize): three quarters of them. getaddrinfo() holds a
 * thread for as long as the resolver takes, tens of milliseconds for a name
 * it has not cached, so the lookups in flight bound how many new hosts a
 * second a child can reach (8 at once, as it was, and 50 ms a lookup: 160 a
 * second, whatever --concurrency said).
 * The quarter left over keeps file writes (--save) and zlib from queuing
 * behind a burst of lookups.
 */
export function lookupSlots(threads: number = Number(process.env.UV_THREADPOOL_SIZE) || LIBUV_DEFAULT_THREADS): number {
  return Math.max(1, Math.floor((threads * 3) / 4));
}

/** The loopback addresses, IPv4 first: what `localhost` names (RFC 6761, 6.3). */
const LOOPBACK: readonly LookupAddress[] = [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }];

/**
 * `localhost` and every name under `.localhost` (app.localhost) are the
 * loopback, answered without the resolver, as curl and browsers answer them:
 * glibc knows only what /etc/hosts lists, so `app.localhost` was ENOTFOUND
 * where curl reached it, and a server on ::1 alone was refused at 127.0.0.1.
 * Both addresses are given; Node's connect tries the next when one refuses.
 */
export function loopbackFor(hostname: string, family: number): LookupAddress[] | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name !== 'localhost' && !name.endsWith('.localhost')) return undefined;
  return LOOPBACK.filter((address) => family === 0 || address.family === family);
}

const systemResolve = (hostname: string, family: number): Promise<LookupAddress[]> =>
  dns.lookup(hostname, { all: true, family });

/**
 * A `lookup` for net/tls.connect that resolves each host name once per TTL.
 * A bulk run opens many connections to few hosts; without this every new
 * connection costs a getaddrinfo() on libuv's small thread pool, which also
 * serves file I/O. lru-cache bounds it and coalesces concurrent lookups of one
 * name into one. Failures are not cached: the next connection asks again.
 * IP literals never reach a lookup function, so they cost nothing here.
 * A list of a million distinct names keeps at most `maxHosts` answers and
 * runs at most `maxLookups` at once (see lookupSlots).
 */
export function cachedLookup({ ttlMs, maxHosts, maxLookups, resolve = systemResolve }: DnsCacheOptions): LookupFunction {
  const limit = pLimit(maxLookups);
  const cache = new LRUCache<string, LookupAddress[], { hostname: string; family: number }>({
    max: maxHosts,
    ttl: ttlMs,
    // More names in flight than maxHosts evict lookups still running: their
    // callers still get the answer (lru-cache would reject them with "evicted").
    ignoreFetchAbort: true,
    fetchMethod: (_key, _stale, { context }) => limit(resolve, context.hostname, context.family),
  });
  return (hostname, options, callback) => {
    const family = typeof options.family === 'number' ? options.family : options.family === 'IPv6' ? 6 : options.family === 'IPv4' ? 4 : 0;
    const loopback = loopbackFor(hostname, family);
    if (loopback) {
      const [first] = loopback;
      // Asynchronous, as a lookup's callback is expected to be.
      process.nextTick(() => (options.all || !first ? callback(null, loopback) : callback(null, first.address, first.family)));
      return;
    }
    cache.fetch(`${family}/${hostname}`, { context: { hostname, family } }).then(
      (addresses) => {
        const first = addresses?.[0];
        if (!addresses || !first) {
          callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '', 0);
        } else if (options.all) {
          callback(null, addresses);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
