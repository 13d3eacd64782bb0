import { originOf } from '../input/host-of.js';

/** Connections found closed under a request, this many within STALE_WINDOW_MS, mark their origin. */
const STALE_MARKS = 3;
const STALE_WINDOW_MS = 2_000;
/** How long a marked origin's requests go on connections of their own before its connections are tried again. */
const MARKED_MS = 10_000;
/** Origins remembered at most: a list of many hosts notes a few now and then, and the oldest are forgotten. */
const MAX_ORIGINS = 1_024;

interface OriginStale {
  count: number;
  since: number;
  until: number;
}

/**
 * Origins whose server closes each HTTP/1.1 connection after its answer without saying so (no `Connection:
 * close`), learnt from connections lost after one answer, under or before their second request
 * (stale-connection.ts, closedAfterOneAnswer). Such a close comes a moment after the answer: undici's check for it before reusing a
 * connection (one turn of the event loop) misses it about one time in three, the request goes out on a closed
 * connection and again on a new one (a server that reads after closing its side sees it twice). An idle
 * timeout racing a request does that once in a while; three times in two seconds is a server that closes every
 * connection, and for ten seconds its requests go on connections of their own, as the server uses them, then
 * reuse is tried again. A server that closes a connection after many answers (nginx's keepalive_requests)
 * is no such server: counted at any loss, it was marked on a busy run, and every request paid a connection.
 */
export class ClosingOrigins {
  readonly #origins = new Map<string, OriginStale>();

  /** A request to `url` met a kept-alive connection the server had closed. */
  noteStale(url: string, now = performance.now()): void {
    const origin = originOf(url);
    const seen = this.#origins.get(origin);
    // Marked already: a request sent just before the mark, not a reason to start counting again (that dropped the mark).
    if (seen !== undefined && now < seen.until) return;
    if (seen === undefined || now - seen.since > STALE_WINDOW_MS) {
      this.#origins.delete(origin);
      if (this.#origins.size >= MAX_ORIGINS) this.#origins.delete(this.#origins.keys().next().value as string);
      this.#origins.set(origin, { count: 1, since: now, until: 0 });
      return;
    }
    seen.count += 1;
    if (seen.count >= STALE_MARKS) seen.until = now + MARKED_MS;
  }

  /** Whether a request to `url` should go on a connection of its own. Free while no origin has been noted. */
  closesEach(url: string, now = performance.now()): boolean {
    if (this.#origins.size === 0) return false;
    const origin = originOf(url);
    const seen = this.#origins.get(origin);
    if (seen === undefined || seen.until === 0) return false;
    if (now < seen.until) return true;
    this.#origins.delete(origin);
    return false;
  }
}
