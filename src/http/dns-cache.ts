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
