import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type * as Undici from 'undici';
import { openFileCount, openFileLimit } from './fd-limit.js';
import { LinkedSet, type Linked } from './linked-set.js';

/** Idle keep-alive connections a child may hold beyond one per request slot. */
export const IDLE_ALLOWANCE = 128;
/** Descriptors left for everything that is not a connection: files, DNS, a burst of connects failing. */
const FD_HEADROOM = 32;
/**
 * Idle connections kept while connections are rarely reused (one reuse in
 * REUSE_RARE connections or fewer, judged over at least JUDGE_AFTER of them):
 * a list of distinct hosts, where an idle connection almost never gets a
 * second request.
 */
const IDLE_WITHOUT_REUSE = 8;
const REUSE_RARE = 16;
const JUDGE_AFTER = 256;
/** One error for every idle HTTP/2 connection closed (Node reads its stack once, then it is cached). */
const IDLE_H2_CLOSED = Object.assign(new Error('idle HTTP/2 connection closed by the socket budget'), { code: 'UND_ERR_SOCKET' });

/** A connection the budget holds; linked into the idle set while it is idle. */
interface Connection extends Linked<Connection> {
  readonly close: () => void;
}

/** Descriptors a child has open before its first connection (stdio, IPC, epoll and the like: 21 on Linux, Node 20). */
export const CHILD_START_FDS = 24;

/**
 * How many connections (connecting, in use and idle) a child may hold: one
 * per request slot plus a few idle ones, but never more than the descriptors
 * this process has left. RLIMIT_NOFILE is per process, so each child reads
 * its own; `others` are the descriptors already open for anything else.
 * `perConnection`: descriptors a connection may come with, 2 with --save (the
 * file its 2xx body streams to, open as long as the body comes in on it):
 * uncounted, bodies failed ESAVE EMFILE at a low `ulimit -n`, with no warning.
 */
export function budgetSize(concurrency: number, fdLimit: number | undefined, others: number, perConnection = 1): number {
  const wanted = concurrency + IDLE_ALLOWANCE;
  return fdLimit === undefined ? wanted : Math.max(1, Math.min(wanted, Math.floor((fdLimit - others - FD_HEADROOM) / perConnection)));
}

/** Descriptors a connection may come with: 2 when --save streams 2xx bodies to files (see budgetSize). */
export function descriptorsPerConnection(saving: boolean): number {
  return saving ? 2 : 1;
}

/** The descriptor limit at which a child's budget is whole (concurrency plus the idle allowance). */
export function fdLimitFor(concurrency: number, perConnection = 1): number {
  return (concurrency + IDLE_ALLOWANCE) * perConnection + CHILD_START_FDS + FD_HEADROOM;
}

/**
 * Keeps a child's open connections within a budget. It wraps undici's
 * connector, so it sees every socket whatever the origin (or proxy): a connect
 * over the budget first closes the least recently used idle connection, and
 * when none is idle it waits for one to close. The waiting is bounded: undici
 * connects only for a request, and requests are bounded by --concurrency.
 *
 * "Idle" is what undici itself says: an HTTP/1.1 or HTTP/2 client unrefs its
 * socket when it has no request left and refs it again when one comes, so
 * an unref'd socket has nothing running on it and closing it fails nothing
 * (test/unit/http/socket-budget.test.ts guards this against undici changes).
 * Closing the last connection of an origin also drops undici's pool for it.
 *
 * When the parent read the input first (`lastUseMarked`), it says which record
 * is the last to its origin, and retire() closes that origin's connections
 * once it is answered: hosts that repeat keep theirs. Otherwise (a stream)
 * reuse is judged as it happens: while recent connections were hardly ever
 * taken up again (a list of distinct hosts), only a few idle ones are kept, so
 * a host that will not be asked again does not hold a connection (and the
 * server a socket) until the budget or the 10 s keep-alive closes it.
 */
export class SocketBudget {
  readonly #concurrency: number;
  /** Descriptors a connection may come with (see budgetSize). */
  readonly #perConnection: number;
  #max: number;
  #open = 0;
  /** Idle connections, least recently used first. */
  readonly #idle = new LinkedSet<Connection>();
  /** Connects waiting for room; at most one per request in flight. */
  readonly #waiting: Array<() => void> = [];
  /** Connections that served a first request, and idle ones taken up again: recent ones weigh more (both halve now and then). */
  #served = 0;
  #reuses = 0;
  /**
   * With last uses marked: each origin's open connections (as undici's
   * connector names it; a proxy's, for proxied requests). An origin leaves
   * with its last connection.
   */
  readonly #byOrigin: Map<string, Map<Socket, Connection>> | undefined;
  /** Connections of a retired origin, or opened to be closed when idle, still in use: they close as soon as they are idle. */
  readonly #retired = new Set<Socket>();

  constructor(concurrency: number, max?: number, { lastUseMarked = false, perConnection = 1 } = {}) {
    this.#concurrency = concurrency;
    this.#perConnection = perConnection;
    this.#max = max ?? budgetSize(concurrency, openFileLimit(), openFileCount() ?? 0, perConnection);
    this.#byOrigin = lastUseMarked ? new Map() : undefined;
  }

  /** Connections open or being opened. */
  get open(): number {
    return this.#open;
  }

  get idle(): number {
    return this.#idle.size;
  }

  get max(): number {
    return this.#max;
  }

  /**
   * undici's connector, held to the budget. With `closeWhenIdle` every
   * connection it opens is closed as soon as its first request is done, and
   * nothing is kept for its origin (for requests whose origin is asked once).
   */
  wrap(connect: Undici.buildConnector.connector, { closeWhenIdle = false } = {}): Undici.buildConnector.connector {
    return (options, callback) =>
      this.#acquire(() =>
        connect(options, (error, socket) => {
          if (error || !socket) {
            this.#release();
            callback(error ?? new Error('connector returned no socket'), null);
          } else {
            this.#track(socket, closeWhenIdle || !this.#byOrigin ? undefined : `${options.protocol}//${options.host ?? options.hostname}`);
            if (closeWhenIdle) this.#retired.add(socket);
            callback(null, socket);
          }
        }),
      );
  }

  /**
   * The process ran out of descriptors (EMFILE/ENFILE): close every idle
   * connection, and fit the budget to the limit as it is now (it may have
   * been lowered, or other descriptors opened, since the child started).
   */
  relieve(): void {
    for (const connection of [...this.#idle]) connection.close();
    const others = openFileCount();
    // Without a descriptor to read /proc with, the connections open now are the most there is room for.
    this.#max = others === undefined ? Math.max(1, this.#open - 1) : Math.min(this.#max, budgetSize(this.#concurrency, openFileLimit(), others - this.#open * this.#perConnection, this.#perConnection));
  }

  /**
   * `origin` (`http://host:port`, as originOf() names it) has no request left
   * in this child: its idle connections close now, those in use as soon as
   * they are idle. Nothing happens without lastUseMarked, or for an origin
   * reached through a proxy (the connection is the proxy's, which others use).
   */
  retire(origin: string): void {
    const sockets = this.#byOrigin?.get(origin);
    if (!sockets) return;
    for (const [socket, connection] of sockets) {
      if (connection.linked) connection.close();
      else this.#retired.add(socket);
    }
  }

  #acquire(start: () => void): void {
    if (this.#open >= this.#max) this.#closeOldestIdle();
    if (this.#open < this.#max) {
      this.#open += 1;
      start();
    } else {
      this.#waiting.push(start);
    }
  }

  #release(): void {
    this.#open -= 1;
    while (this.#waiting.length > 0 && this.#open < this.#max) {
      this.#open += 1;
      (this.#waiting.shift() as () => void)();
    }
  }

  #closeOldestIdle(): void {
    this.#idle.oldest?.close();
  }

  /**
   * Whether idle connections are worth keeping: they are, unless recent ones
   * were hardly ever reused. Not judged when last uses are marked: a host the
   * input asks again keeps its connection however rare that is.
   */
  #reuseRare(): boolean {
    return this.#byOrigin === undefined && this.#served >= JUDGE_AFTER && this.#reuses * REUSE_RARE <= this.#served;
  }

  #countServed(): void {
    this.#served += 1;
    if (this.#served >= 4 * JUDGE_AFTER) {
      this.#served /= 2;
      this.#reuses /= 2;
    }
  }

  /** `origin` is given when its connections are kept together, so that retire() finds them. */
  #track(socket: Socket, origin: string | undefined): void {
    let counted = true;
    let served = false;
    const sameOrigin = this.#byOrigin && origin !== undefined ? (this.#byOrigin.get(origin) ?? new Map<Socket, Connection>()) : undefined;
    const close = (): void => {
      if (!counted) return;
      counted = false;
      this.#idle.delete(connection);
      this.#retired.delete(socket);
      if (sameOrigin && origin !== undefined) {
        sameOrigin.delete(socket);
        if (sameOrigin.size === 0) this.#byOrigin?.delete(origin);
      }
      // An HTTP/2 connection is closed with an error: undici's h2 client reads the socket's error when
      // the session closes after the socket, and crashes the child without one (undici 7.30.2,
      // onHttp2SessionClose). Only idle connections come here, so the error fails no request.
      socket.destroy((socket as TLSSocket).alpnProtocol === 'h2' ? IDLE_H2_CLOSED : undefined);
      this.#release();
    };
    const connection: Connection = { close, linked: false, older: undefined, newer: undefined };
    if (sameOrigin && origin !== undefined) {
      sameOrigin.set(socket, connection);
      this.#byOrigin?.set(origin, sameOrigin);
    }
    socket.once('close', close);
    const { ref, unref } = socket;
    socket.unref = () => {
      if (counted) {
        if (!served) {
          served = true;
          this.#countServed();
        }
        this.#idle.add(connection);
        // Its origin has no request left: close it once undici's resume is done, if that left it idle
        // (an HTTP/2 session unrefs its socket as it starts, before its first request refs it).
        if (this.#retired.size > 0 && this.#retired.has(socket)) process.nextTick(() => connection.linked && close());
        // Someone waits for room, or idle connections are not worth keeping: the oldest idle one goes
        // (once undici's resume is done).
        if (this.#waiting.length > 0 || (this.#idle.size > IDLE_WITHOUT_REUSE && this.#reuseRare())) {
          process.nextTick(() => {
            if (this.#waiting.length > 0) this.#closeOldestIdle();
            while (this.#idle.size > IDLE_WITHOUT_REUSE && this.#reuseRare()) this.#closeOldestIdle();
          });
        }
      }
      return unref.call(socket);
    };
    socket.ref = () => {
      if (this.#idle.delete(connection)) this.#reuses += 1;
      return ref.call(socket);
    };
  }
}
