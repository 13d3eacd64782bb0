import type * as Undici from 'undici';
import { kAddClient, kClients, kGetDispatcher, kNeedDrain, type PoolBaseMembers } from 'undici/lib/dispatcher/pool-base.js';
import { kConnected } from 'undici/lib/core/symbols.js';
import { Pool } from './undici-parts.js';

/** A client of the pool: the base's kNeedDrain mark, and what undici's Client says of its state. */
interface PooledClient extends Undici.Dispatcher {
  [kNeedDrain]?: boolean;
  [kConnected]?: boolean;
  destroyed?: boolean;
  closed?: boolean;
}

const PoolWithBase = Pool as unknown as new (origin: string | URL, options: Undici.Pool.Options) => Undici.Pool & PoolBaseMembers;

/**
 * undici's Pool, finding a client that can take a request in constant time.
 *
 * Pool looks for one by walking its clients from the first, and PoolBase walks
 * them again after each dispatch that fills a client, to learn whether the pool
 * is now full: with pipelining 1 and every connection busy (the steady state
 * of a run, p-limit keeping as many requests in flight as there are
 * connections) that is the whole list twice a request. At 1,600 connections
 * it cost a bare undici loop 6 µs a request, 7 % of its CPU
 * (bench/CHANGELOG.md, entry 27). Here the clients that can take a request
 * are kept on a stack, most recently freed on top (its connection is the one
 * most likely still open), and everything else, the queue, draining, events,
 * close and destroy, is Pool's.
 *
 * A client is free when the pool base has not marked it kNeedDrain. It becomes
 * free when it is created, or when it emits 'drain' (after the base's own
 * listener, which may already have given it a queued request). Entries are
 * checked when they reach the top, not removed when their client fills, so a
 * client that takes several requests at once (HTTP/2) stays on top while it can.
 */
export class FreeListPool extends PoolWithBase {
  readonly #free: PooledClient[] = [];
  /** The clients on #free: each is there at most once. */
  readonly #listed = new WeakSet<PooledClient>();
  /** Clients Pool took out of its list after a connection error: never used again. */
  readonly #dropped = new WeakSet<PooledClient>();
  /** Each client's 'drain' listener from the base, by which it takes requests queued in the pool. */
  readonly #queueTakers = new WeakMap<PooledClient, (...args: unknown[]) => void>();
  #connections: number;

  constructor(origin: string | URL, options: Undici.Pool.Options) {
    if (options.clientTtl != null) throw new TypeError('FreeListPool does not take clientTtl');
    super(origin, options);
    this.#connections = options.connections || Infinity;
    // Pool's own listener takes these clients out of its list: they are not used again.
    this.on('connectionError', (_origin, targets, error) => {
      for (const target of targets) this.#dropped.add(target as PooledClient);
      if ((error as { code?: unknown } | undefined)?.code === 'UND_ERR_CONNECT_TIMEOUT' && this.#holdToWorkingConnections()) {
        for (const target of targets) this.#stopTakingQueued(target as PooledClient);
      }
    });
  }

  /**
   * A connect that timed out while other connections to the origin work is a server at its own limit of
   * connections (h2o's max-connections, 1,024 by default, leaves the rest unaccepted: TCP opens, TLS never
   * answers), not a host that is down. Opening another in its place stalled the same way, so a record could
   * fail all its attempts where the connections that worked would have served it: the pool keeps to those
   * from now on, and its requests wait for one of them. With no connection working it changes nothing
   * (false): the host is unreachable, and its errors are the records' answers.
   */
  #holdToWorkingConnections(): boolean {
    let working = 0;
    for (const client of this[kClients] as PooledClient[]) if (client[kConnected] === true && !client.destroyed && !client.closed) working += 1;
    if (working > 0) this.#connections = Math.min(this.#connections, working);
    return working > 0;
  }

  /**
   * A client dropped for a stalled connect no longer takes the requests queued in the pool: the base's 'drain'
   * listener handed them to it as it drained, which made it connect again, to stall again, under a request that
   * a working connection would have served. (Where none works, it still takes them, and fails them at once.)
   */
  #stopTakingQueued(client: PooledClient): void {
    const takesQueued = this.#queueTakers.get(client);
    if (takesQueued !== undefined) client.removeListener('drain', takesQueued);
  }

  override [kAddClient](client: PooledClient): this {
    const before = client.listeners('drain');
    super[kAddClient](client);
    // The base's listener, which gives the client requests from the pool's queue as it drains.
    const takesQueued = client.listeners('drain').find((listener) => !before.includes(listener));
    if (takesQueued !== undefined) this.#queueTakers.set(client, takesQueued as (...args: unknown[]) => void);
    client.on('drain', () => {
      if (!client[kNeedDrain]) this.#list(client);
    });
    return this;
  }

  override [kGetDispatcher](): Undici.Dispatcher | undefined {
    const free = this.#free;
    for (let top = free.at(-1); top !== undefined; top = free.at(-1)) {
      if (!top[kNeedDrain] && !top.destroyed && !top.closed && !this.#dropped.has(top)) return top;
      free.pop();
      this.#listed.delete(top);
    }
    // None free: Pool adds a client while it may (its walk then finds no free one, as none is).
    if (this[kClients].length >= this.#connections || !this.mayOpen()) return undefined;
    const added = super[kGetDispatcher]() as PooledClient | undefined;
    if (added) this.#list(added);
    return added;
  }

  /**
   * Whether a connection may be opened now, below the limit: always, here. A
   * subclass may hold requests in the queue instead (AlpnPool, while the
   * origin's first connection has not said whether it speaks HTTP/2).
   */
  protected mayOpen(): boolean {
    return true;
  }

  #list(client: PooledClient): void {
    if (this.#listed.has(client)) return;
    this.#listed.add(client);
    this.#free.push(client);
  }
}
