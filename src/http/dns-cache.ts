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
   * its name was last asked for, or so long that one of the usual length would end after it, has no one left
   * to answer, and is not run (see cachedLookup).
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

/** Names with a lookup queued or under way: whether it runs yet (one a family asked; running once any does). */
const namesPending = new Map<string, { queued: number; running: number }>();

/**
 * Where `hostname`'s lookup is, if it has one in this process: waiting for one of the process's lookup slots
 * ('queued'), or with the resolver ('running'). A connection given up on meanwhile waited for that, not for the
 * server (curl: "Resolving timed out").
 */
export function lookingUp(hostname: string): 'queued' | 'running' | undefined {
  const state = namesPending.get(hostname);
  return state === undefined ? undefined : state.running > 0 ? 'running' : 'queued';
}

/**
 * Whether a lookup is still under way. getaddrinfo() cannot be called off, and a process's exit waits for
 * libuv's threads (its pool is joined as the process ends): a lookup the resolver sits on (a glibc retry
 * is 5 s) holds the exit as long, after every record was answered (see child/main.ts).
 */
export function lookupsUnderway(): boolean {
  for (const state of namesPending.values()) if (state.running > 0) return true;
  return false;
}

function pendingName(hostname: string, queued: -1 | 0 | 1, running: -1 | 0 | 1): void {
  const state = namesPending.get(hostname) ?? { queued: 0, running: 0 };
  state.queued += queued;
  state.running += running;
  if (state.queued + state.running > 0) namesPending.set(hostname, state);
  else namesPending.delete(hostname);
}

/**
 * A `lookup` for net/tls.connect that resolves each host name once per TTL.
 * A bulk run opens many connections to few hosts; without this every new
 * connection costs a getaddrinfo() on libuv's small thread pool, which also
 * serves file I/O. lru-cache bounds the answers kept; concurrent lookups of one
 * name are one. Failures are not cached: the next connection asks again.
 * IP literals never reach a lookup function, so they cost nothing here.
 * A list of a million distinct names keeps at most `maxHosts` answers and
 * runs at most `maxLookups` at once (see lookupSlots).
 */
export function cachedLookup({ ttlMs, maxHosts, maxLookups, abandonAfterMs = Infinity, resolve = systemResolve }: DnsCacheOptions): LookupFunction {
  const limit = pLimit(maxLookups);
  /** Answers, for ttlMs each: only answers, so that a lookup in flight is never evicted and asked for twice. */
  const cache = new LRUCache<string, LookupAddress[]>({ max: maxHosts, ttl: ttlMs });
  /**
   * Lookups queued or running, by name and family: one a name, whoever asks (more names in flight than the
   * cache holds evicted lookups still running from it, and a name asked again was looked up again). With when
   * it was last asked for: a resolver that sits on lookups (a glibc retry is 5 s) holds every slot, and the
   * queue behind them grew by every record whose connect gave up meanwhile (3.3 KB each: 415 MB a child on
   * 100k names), each run in turn long after, with a name the list's next hosts (even /etc/hosts ones)
   * waited behind. One whose connects have all given up, or would before a lookup of the usual length
   * ends, is dropped as its turn comes, and its askers are not answered: each connect's own timer ends it
   * ("Resolving timed out"), where an error of the drop's own reached a connect that was about to.
   */
  const inFlight = new Map<string, InFlight>();
  /** How long lookups take here, a running mean: a queued one that cannot end before its connects give up is not run. */
  let typicalMs = 0;
  const run = (key: string, entry: InFlight, hostname: string, family: number): Promise<LookupAddress[]> => {
    const waited = performance.now() - entry.at;
    if (waited + Math.min(typicalMs, abandonAfterMs / 2) > abandonAfterMs) return Promise.reject(ABANDONED);
    pendingName(hostname, -1, 1);
    entry.running = true;
    const started = performance.now();
    return resolve(hostname, family).then((addresses) => {
      typicalMs += (performance.now() - started - typicalMs) / 8;
      cache.set(key, addresses);
      return addresses;
    });
  };
  const lookUp = (key: string, hostname: string, family: number): Promise<LookupAddress[]> => {
    const asked = inFlight.get(key);
    if (asked !== undefined) {
      // Asked again while its lookup waits: someone waits for it anew.
      asked.at = performance.now();
      return asked.answer;
    }
    const entry: InFlight = { at: performance.now(), running: false, answer: undefined as unknown as Promise<LookupAddress[]> };
    inFlight.set(key, entry);
    pendingName(hostname, 1, 0);
    entry.answer = limit(run, key, entry, hostname, family).finally(() => {
      inFlight.delete(key);
      pendingName(hostname, entry.running ? 0 : -1, entry.running ? -1 : 0);
    });
    return entry.answer;
  };
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
    const known = cache.get(key);
    (known !== undefined ? Promise.resolve(known) : lookUp(key, hostname, family)).then(
      (addresses) => {
        const first = addresses[0];
        if (!first) {
          callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '', 0);
        } else if (options.all) {
          callback(null, addresses);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => {
        if (error !== ABANDONED) callback(error, '', 0);
      },
    );
  };
}

interface InFlight {
  /** When the name was last asked for. */
  at: number;
  /** Its lookup has begun (it holds a slot), or it waits for one. */
  running: boolean;
  answer: Promise<LookupAddress[]>;
}

/** A queued lookup dropped (see cachedLookup): never handed to a caller. */
const ABANDONED = Object.assign(new Error('lookup abandoned: no connect waits for it any more'), { code: 'EAI_AGAIN' });

