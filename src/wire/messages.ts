/**
 * The parent/child protocol. Three channels, each for what it does best:
 *
 * - child stdin: request specs, one JSON object per line (cheap to batch).
 * - child stdout (fd 1, opened as an async socket): result lines, NDJSON, each
 *   starting with `{"line":N,` so the parent can account for it without parsing.
 * - the IPC channel: a handful of typed control messages below.
 */
import type { RunOptions } from '../run-types.js';
import type { RequestSpec } from '../input/request-spec.js';
import type { WorkerStats } from './stats.js';
import type { StoredCookie } from '../http/cookie-match.js';

/** Request policy and transport fields a child takes from RunOptions unchanged. */
type PassedOptions = Pick<
  RunOptions,
  'compressed' | 'follow' | 'autoReferer' | 'redirectCookies' | 'maxRedirects' | 'redirectProtocols' | 'retries' | 'retryDelay' | 'retryMaxDelay' | 'retryAllMethods' | 'save' | 'maxFilesize' | 'insecure' | 'proxy' | 'noProxy' | 'http2' | 'http1Only' | 'ipv4Only' | 'ipv6Only' | 'connectTo' | 'resolve'
>;

/**
 * What a child needs to know: the first line on its stdin (JSON), before any
 * task. Not argv: a child may be forked before its config is known (the spare).
 */
export interface WorkerConfig extends PassedOptions {
  index: number;
  concurrency: number;
  timeout: number;
  connectTimeout: number;
  /**
   * Hosts slowed down (a 429 or 503) before this child was forked: it asks before attempts to them from its
   * first record, as the children running then were told to (a 'slow-down' message needs a process to reach).
   */
  slowedHosts?: string[];
  /** Keep a cache at all: the parent then marks each cacheable task with a CacheDirective. */
  cache: boolean;
  /** Lines for a terminal's reader (the CLI's): DEL, C1 and bidi controls written as \u escapes (terminal-safe.ts). */
  terminalSafe?: boolean;
  cacheSize?: number;
  cacheBytes: number;
  /**
   * The parent read the input first and marks each task that is this child's
   * last to its origin (Task.last): the child closes connections by those marks
   * rather than judging reuse as it happens.
   */
  lastUseMarked: boolean;
  headers: Record<string, string>;
  /** The names -H gave, set or removed: they replace what a record implies (RequestSpec.implied). */
  headerFlagNames?: string[];
  /**
   * The -b files' cookies, read once by the parent: a file may be a pipe
   * (`-b <(...)`), which a child could not read again.
   */
  fileCookies: StoredCookie[];
  /** --cacert, --cert and --key as PEM text, read once by the parent (a file may be a pipe, as fileCookies'). */
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  /** The body of tasks without one, as text; or, when its bytes are not UTF-8, `dataBase64` (the config is JSON). */
  data?: string;
  dataBase64?: string;
  /** For a task with a body of its own: `headers` without those -d or --json implied for theirs (absent when none were). */
  ownBodyHeaders?: Record<string, string>;
  /** -G: added to every request's URL query. */
  query?: string;
  /** -T FILE: its name, appended to a URL whose path ends in /. */
  uploadName?: string;
  body: RunOptions['body'];
  maxBody: number;
  includeHeaders: boolean;
  /**
   * Ask the parent's LimitCoordinator before every attempt (a limit flag was
   * given). Otherwise only attempts to hosts that refused (429/503) ask.
   */
  limited: boolean;
  /** A short run: V8's --liftoff-only, set before undici compiles its wasm parser (see PoolOptions.quickStart). */
  liftoffOnly: boolean;
}

/** [attempt id, host] — a child's attempt asking to start. */
export type GateAcquire = [id: number, host: string];
/** [attempt id, status or null, Retry-After in ms or null] — an attempt that ended. */
export type GateRelease = [id: number, status: number | null, retryAfterMs: number | null];
/** [host, status, Retry-After in ms or null] — an attempt that asked nobody was refused (429/503). */
export type GateRefusal = [host: string, status: number, retryAfterMs: number | null];

export type ParentMessage =
  /**
   * A graceful stop: begin no more records (those not yet sent are answered ENOTSENT); those in flight go on, for
   * `graceMs` at most (--grace: a retry due later is not waited for).
   */
  | { type: 'stop'; graceMs: number }
  /** Abort every request in flight now (second Ctrl-C, grace expired). */
  | { type: 'abort' }
  /** Send a stats snapshot (for progress). */
  | { type: 'stats?' }
  /** These attempts may start now (answers 'gate' acquires). */
  /** `at`: when the parent granted them (epoch ms, this machine's clock), under a rate limit (see GateClient.granted). */
  | { type: 'grant'; ids: number[]; at?: number }
  /** These hosts refused: from now on every attempt to them asks for a grant. */
  | { type: 'slow-down'; hosts: string[] };

export type ChildMessage =
  /**
   * The child's code runs: its first message, before it reads its config or any record. A child that ends
   * without it (Node aborting as it starts, under `ulimit -u`) sent nothing (see fork-child.ts, hasRun).
   */
  | { type: 'running' }
  /** A snapshot of the child's counters; `final` on the last one before exit. */
  | { type: 'stats'; final: boolean; stats: WorkerStats }
  /**
   * Non-idempotent records about to be sent for the first time: if the child
   * dies before answering them, they may have reached the server.
   */
  | { type: 'started'; lines: number[] }
  /**
   * Every record the child was given is answered (its lines written, maybe not yet read by the parent): what is
   * left is handing them over, as fast as the parent's output takes them. Sent once, as the child finishes.
   */
  | { type: 'answered' }
  /**
   * Attempts asking to start, attempts that ended, and refusals of attempts that asked nobody, batched per event-loop
   * turn; and how many of its attempts wait for a grant as it is sent (the parent lends its window that much room).
   */
  | { type: 'gate'; acquire: GateAcquire[]; release: GateRelease[]; refused: GateRefusal[]; waiting?: number };


/**
 * What the child's cache does with one task, decided by the parent from its
 * view of the input. A task without one skips the cache altogether (the child
 * does not even compute its key): its request is not known to come again.
 */
export const CacheDirective = {
  /** Answer from the cache (or the identical request in flight) if there; otherwise fetch and store. */
  KEEP: 1,
  /** The key's last use: answer from the cache if there and drop the entry; otherwise fetch without storing. */
  LAST: 2,
  /** Not known to come again (a stream's first sight of a key): answer from the cache or the flight if there; otherwise fetch without storing. */
  SHARE: 3,
} as const;
export type CacheDirective = (typeof CacheDirective)[keyof typeof CacheDirective];

/** Later uses the parent counts at most: a request used more often than this is ranked as if used this often. */
export const MAX_COUNTED_USES = 14;

/**
 * What the parent knows of a task's origin from its pass over the input, for
 * the child's connections to it. A task without a mark may have more tasks to
 * its origin after it (or the input was not read first).
 */
export const OriginUse = {
  /** No later task of this child goes to the same origin; once answered, its connections can close. */
  LAST: 1,
  /** The only task of this child to its origin (and so its last): no connection to it will be reused. */
  ONLY: 2,
} as const;
export type OriginUse = (typeof OriginUse)[keyof typeof OriginUse];

/** A task as the child receives it on stdin: the spec, the cache directive when there is one, and the origin-use mark. */
export interface Task extends RequestSpec {
  cache?: CacheDirective;
  /**
   * With KEEP from a file's count: how many later tasks of this child use the
   * same request (1 to MAX_COUNTED_USES, at least the true number, capped). The cache drops the
   * entries with the fewest uses ahead first: in a shuffled list the one
   * needed furthest in the future is, on average, the one used least from now on.
   */
  uses?: number;
  last?: OriginUse;
}

/** One task line (with its newline). The marks are spliced into the spec's JSON rather than spread into a copy of it. */
export function encodeTask(spec: RequestSpec, directive: CacheDirective | undefined, originUse?: OriginUse, uses = 0): string {
  const json = JSON.stringify(spec);
  if (directive === undefined && originUse === undefined) return `${json}\n`;
  return `${json.slice(0, -1)}${taskMarks(directive, originUse, uses)}}\n`;
}

/**
 * encodeTask of the plain spec `{ line, method, url }`, written out rather
 * than stringified: what the parent sends for each line of a URL list. `url`
 * must be a URL isNormalizedHttpUrl takes (no character JSON escapes), and
 * `methodJson` is JSON.stringify of the method, made once per run. A test
 * holds it to encodeTask.
 */
export function encodeUrlTask(line: number, methodJson: string, url: string, directive: CacheDirective | undefined, originUse?: OriginUse, uses = 0): string {
  return `{"line":${line},"method":${methodJson},"url":"${url}"${taskMarks(directive, originUse, uses)}}\n`;
}

/** The members a task carries beyond its spec, each with its leading comma. */
function taskMarks(directive: CacheDirective | undefined, originUse: OriginUse | undefined, uses: number): string {
  const cache = directive === undefined ? '' : uses > 0 ? `,"cache":${directive},"uses":${uses}` : `,"cache":${directive}`;
  return originUse === undefined ? cache : `${cache},"last":${originUse}`;
}
