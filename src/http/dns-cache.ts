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
 * runs at most `maxLookups` at once: getaddrinfo() holds one of libuv's four
 * threads each, and a queue of them would stall file I/O behind it.
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
