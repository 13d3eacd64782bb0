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
  /**
   * How long a connect waits for its lookup at most (--connect-timeout): a lookup still queued this long after
   * its name was last asked for has no one left to answer, and is not run.
   */
  abandonAfterMs?: number;
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

/** Lookups this process has begun and not yet had an answer to (each holds a thread of libuv's pool). */
let underway = 0;

/** Names with a lookup queued or under way, and how many (one a family asked): what a timeout says it waited for. */
const namesPending = new Map<string, number>();

/**
 * Whether `hostname` has a lookup queued or under way in this process: a connection given up on meanwhile
 * waited for the resolver, not for the server (curl: "Resolving timed out").
 */
export function lookingUp(hostname: string): boolean {
  return namesPending.has(hostname);
}

function pendingName(hostname: string, change: 1 | -1): void {
  const count = (namesPending.get(hostname) ?? 0) + change;
  if (count > 0) namesPending.set(hostname, count);
  else namesPending.delete(hostname);
}

/**
 * Whether a lookup is still under way. getaddrinfo() cannot be called off, and a process's exit waits for
 * libuv's threads (its pool is joined as the process ends): a lookup the resolver sits on (a glibc retry
 * is 5 s) holds the exit as long, after every record was answered (see child/main.ts).
 */
export function lookupsUnderway(): boolean {
  return underway > 0;
}

function counted(resolve: (hostname: string, family: number) => Promise<LookupAddress[]>): (hostname: string, family: number) => Promise<LookupAddress[]> {
  return (hostname, family) => {
    underway += 1;
    return resolve(hostname, family).finally(() => {
      underway -= 1;
    });
  };
}

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
export function cachedLookup({ ttlMs, maxHosts, maxLookups, abandonAfterMs = Infinity, resolve: given = systemResolve }: DnsCacheOptions): LookupFunction {
  const limit = pLimit(maxLookups);
  const resolve = counted(given);
  /**
   * When each queued or running lookup's name was last asked for. A resolver that sits on lookups (a glibc
   * retry is 5 s) holds every slot, and the queue behind them grew by every record whose connect gave up
   * meanwhile (3.3 KB each: 415 MB a child on 100k names), each run in turn long after, with a name the
   * list's next hosts (even /etc/hosts ones) waited behind. Those are now dropped as their turn comes.
   */
  const asked = new Map<string, { at: number }>();
  const resolveUnlessAbandoned = (key: string, hostname: string, family: number): Promise<LookupAddress[]> => {
    const when = asked.get(key);
    if (when !== undefined && performance.now() - when.at > abandonAfterMs) return Promise.reject(Object.assign(new Error(`Lookup of ${hostname} abandoned: no connect waits for it any more`), { code: 'EAI_AGAIN', hostname }));
    return resolve(hostname, family);
  };
  const cache = new LRUCache<string, LookupAddress[], { hostname: string; family: number }>({
    max: maxHosts,
    ttl: ttlMs,
    // More names in flight than maxHosts evict lookups still running: their
    // callers still get the answer (lru-cache would reject them with "evicted").
    ignoreFetchAbort: true,
    fetchMethod: (key, _stale, { context }) => {
      asked.set(key, { at: performance.now() });
      pendingName(context.hostname, 1);
      return limit(resolveUnlessAbandoned, key, context.hostname, context.family).finally(() => {
        asked.delete(key);
        pendingName(context.hostname, -1);
      });
    },
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
    const key = `${family}/${hostname}`;
    // Asked again while its lookup waits: someone waits for it anew.
    const waiting = asked.get(key);
    if (waiting !== undefined) waiting.at = performance.now();
    cache.fetch(key, { context: { hostname, family } }).then(
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
