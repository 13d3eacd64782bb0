import { LRUCache } from 'lru-cache';
import { hostOf } from '../input/host-of.js';
import type { AttemptFeedback, AttemptGate, ReleaseAttempt } from './attempt-gate.js';
import type { GateClient } from './gate-client.js';

/**
 * Hosts remembered as slowed down. A run of millions of hosts that all refuse
 * must not grow this without bound; a host pushed out goes back to asking
 * nobody until it refuses again.
 */
const MAX_SLOWED_HOSTS = 10_000;

/**
 * The gate of a run without limit flags. Attempts ask nobody, so the common
 * case costs no IPC and no URL parsing, until a host answers 429 or 503. That
 * host is then slowed down on its own: the parent is told (and tells every
 * child), and from then on each attempt to it waits for a grant from the
 * parent's LimitCoordinator, which honours Retry-After and halves and
 * regrows the host's concurrency. Other hosts keep asking nobody.
 */
export class AdaptiveGate implements AttemptGate {
  readonly #client: GateClient;
  readonly #slowed = new LRUCache<string, true>({ max: MAX_SLOWED_HOSTS });

  constructor(client: GateClient) {
    this.#client = client;
  }

  acquire(url: string): Promise<ReleaseAttempt> | undefined {
    if (this.#slowed.size === 0) return undefined;
    const host = hostOf(url);
    return this.#slowed.has(host) ? this.#client.acquireHost(host) : undefined;
  }

  mustAsk(url: string): boolean {
    return this.#slowed.size > 0 && this.#slowed.has(hostOf(url));
  }

  refused(url: string, feedback: AttemptFeedback): boolean {
    const host = hostOf(url);
    this.slowDown([host]);
    this.#client.reportRefusal(host, feedback);
    return true;
  }

  /** From now on attempts to these hosts ask the parent first. */
  slowDown(hosts: string[]): void {
    for (const host of hosts) this.#slowed.set(host, true);
  }

  /** Hosts slowed down (for tests). */
  get slowedCount(): number {
    return this.#slowed.size;
  }
}
