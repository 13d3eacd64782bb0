/**
 * The types a run takes and gives: options in, summary and progress out.
 * Types only, at the bottom of the import graph, so every layer can name them
 * without importing the layer that produces them.
 */
import type { WorkerStats } from './wire/stats.js';

export type BodyMode = 'auto' | 'text' | 'base64' | 'none';

export type CacheMode = 'auto' | 'on' | 'off';

/** What the run decided about caching and what the cache did: the summary's `cache` object. */
export interface CacheReport {
  mode: CacheMode;
  /** Whether the children kept any responses (at the end of the run, for a stream). */
  enabled: boolean;
  why: string;
  /** What the decision was based on: 'file' (a pass over the whole file first), 'stream' (what was seen so far), or 'flag'. */
  basis: 'file' | 'stream' | 'flag';
  /** Distinct requests (estimated from the analysis sketch; 0 when nothing was analyzed). */
  distinct: number;
  /** Requests that repeat an earlier one, over all requests analyzed. */
  repeatRatio: number;
  /** Milliseconds spent analyzing the input before fetching (the pass over a file). */
  analysisMs: number;
  /** Records answered from the cache or by an identical request in flight. */
  hits: number;
  /** Responses stored. */
  stored: number;
  /** Entries dropped for room (--cache-bytes, --cache-size) before their last repeat. */
  evictions: number;
  /** The most bytes any one process's cache held at once (never above --cache-bytes). */
  peakBytes: number;
}

/** Everything a run needs; the CLI and the library API both produce this. */
export interface RunOptions {
  /** Path of the input file, or '-' for stdin. */
  input: string;
  procs: number;
  concurrency: number;
  timeout: number;
  /** auto: cache only what the input repeats (see README, Cache); on: every GET/HEAD; off: nothing. */
  cache: CacheMode;
  /** Optional cap on entries per child; cacheBytes bounds the cache either way. */
  cacheSize?: number;
  /** Bytes of response data one child's cache may hold. */
  cacheBytes: number;
  method: string;
  /** Sent with every request; null removes a header bulkfetch would send (User-Agent, Accept-Encoding, one -d implies), as curl's -H 'Name:'. */
  headers: Record<string, string | null>;
  /** The body of records without one (-d): text, sent as UTF-8, or bytes, sent as they are (a file that is not UTF-8). */
  data?: string | Uint8Array;
  /**
   * The headers of `headers` that -d or --json implied for `data` (Content-Type, Accept), not given with -H:
   * a record with a body of its own goes without them (CLI only).
   */
  dataHeaderNames?: string[];
  /** The header names -H gave (set or removed), Cookie aside: what a record implies yields to them. */
  headerFlagNames?: string[];
  /** curl -G: the -d data, added to every record's URL query (CLI only: a library caller writes it into the URLs). */
  query?: string;
  /** curl -T FILE: FILE's name, appended to a record URL whose path ends in / (CLI only, as query). */
  uploadName?: string;
  userAgent: string;
  body: BodyMode;
  /** Ask for gzip, deflate and br (Accept-Encoding) and decode them; false keeps bytes as they came. */
  compressed: boolean;
  maxBody: number;
  /** Stream 2xx bodies to files in this directory instead of the output line. */
  save?: string;
  /**
   * With --save: the names of the run's own files in that directory (the input, -o FILE, its .lock and
   * .resume.json, --summary FILE), which a record's id must not name (CLI only: a library run has none).
   */
  saveKeep?: string[];
  /** Bodies larger than this many bytes (decoded) fail with EMAXFILESIZE, saved or not (curl's --max-filesize). */
  maxFilesize?: number;
  includeHeaders: boolean;
  /**
   * The protocols a record's URL may use, as curl's --proto list: '=https' for https alone, '-http', 'all'
   * (a bare name adds to every protocol, as in curl: 'https' is both). Resolved to 'http,https', 'https' or 'http'.
   */
  protocols: string;
  /** The protocols a followed redirect may lead to, as curl's --proto-redir list ('=https'; '-all' for none); resolved as `protocols`, '' for none. */
  redirectProtocols: string;
  /** Scheme given to records written without one (curl's --proto-default). */
  protoDefault: 'http' | 'https';
  /** Longest input line (bytes) parsed as a record. */
  maxLineBytes: number;
  /** Attempts per second, all processes and hosts together. */
  rate?: number;
  /** Attempts in flight per host, all processes together. */
  perHostConcurrency?: number;
  /** Attempts per second per host, all processes together. */
  perHostRate?: number;
  /** Time limit for establishing a connection (TCP + TLS), per attempt. */
  connectTimeout: number;
  /** Follow 301/302/303/307/308 redirects (-L). */
  follow: boolean;
  /** Each followed redirect sends the URL it came from as Referer (curl's `-e ';auto'`). */
  autoReferer: boolean;
  /** The cookies a record's redirects set are sent on its later hops (curl's cookie engine, `-b ''`); never shared between records. */
  redirectCookies: boolean;
  /** Cookie files (curl's -b FILE, Netscape format): each request carries their cookies that match its URL. */
  cookieFiles: string[];
  maxRedirects: number;
  /** Retries after the first attempt, for retryable failures only. */
  retries: number;
  /** Backoff base: the cap of the first retry's random delay. */
  retryDelay: number;
  /** No retry waits longer than this, and no host is paused longer, whatever the backoff or Retry-After says. */
  retryMaxDelay: number;
  /** Retry POST, PATCH and other non-idempotent methods too. */
  retryAllMethods: boolean;
  /** Skip TLS certificate verification. */
  insecure: boolean;
  /** PEM file of the CAs to trust instead of the default ones (--cacert). */
  cacert?: string;
  /** PEM file of a client certificate (--cert), and of its key (--key; else the --cert file). */
  cert?: string;
  key?: string;
  /** Proxy for every request; http_proxy / HTTPS_PROXY / NO_PROXY apply when absent; '' for none, the variables ignored (curl's -x ""). */
  proxy?: string;
  /** Hosts reached without the proxy, as NO_PROXY lists them (curl's --noproxy): replaces NO_PROXY; '*' is every host, '' none. */
  noProxy?: string;
  /** Offer HTTP/2 in TLS ALPN; HTTP/1.1 stays the fallback. */
  http2: boolean;
  /**
   * Offer HTTP/1.1 alone, always (curl's --http1.1). Otherwise, without http2,
   * an https origin that turns HTTP/1.1 away is asked with h2 offered too.
   */
  http1Only: boolean;
  /** Connect over IPv4 only (curl's -4): names resolve to IPv4 addresses alone, and an IPv6 address is refused. */
  ipv4Only: boolean;
  /** Connect over IPv6 only (curl's -6). At most one of ipv4Only and ipv6Only. */
  ipv6Only: boolean;
  /** 'host1:port1' -> 'host2:port2' to connect to instead ('*' any host or port; an empty part of the target keeps the request's), as curl's --connect-to. */
  connectTo: Record<string, string>;
  /** 'host:port' -> address to connect to instead of resolving host (curl's --resolve). */
  resolve: Record<string, string>;
  /** On a graceful stop, ms that records in flight get to finish before they are aborted. */
  grace: number;
  /** Stop gracefully once errors exceed this (--max-errors). */
  maxErrors?: ErrorLimit;
  /** Write results in input order (through a bounded reorder buffer). */
  ordered: boolean;
  /** Records the reorder buffer may hold unwritten before input reading pauses (--ordered). */
  reorderBuffer: number;
  /** Only the records of shard `index` of `count` (0-based), by request key hash. */
  shard?: Shard;
}

/** A child process that died during a run (not one that was stopped). */
export interface ChildCrash {
  /** Index of the child (0-based). */
  child: number;
  /** 'signal SIGKILL', 'exit code 1' ...; for a child that could not be started, the fork's errno ('EAGAIN'), or how it ended as it started ('signal SIGABRT, as it started'). */
  reason: string;
  /** The fork failed, or the child ended before its code ran: its records wait for another (rerun) or are answered ENOTSENT. */
  notStarted?: true;
  /** Records it held unanswered. */
  records: number;
  /** The end of what it wrote to stderr: its stack trace, if it had one. */
  stderr: string;
  /** Whether its records run again in a new child: not while the run stops (they are answered EABORTED). */
  rerun: boolean;
}

/** --shard K/N: shard K (0 <= K < N) of N. */
export interface Shard {
  index: number;
  count: number;
}

/** --max-errors: an absolute count, or a share of the records answered. */
export type ErrorLimit = { kind: 'count'; max: number } | { kind: 'percent'; max: number };

export interface RunSummary extends WorkerStats {
  /** Input lines that were blank or comments. */
  skipped: number;
  /** Records rejected before any request (invalid URL, spec ...). */
  invalid: number;
  elapsedMs: number;
  /** Records answered by each child, in child order: how even the hash shards came out. */
  shards: number[];
  /** Records skipped because their line was already in the output (--resume). */
  resumed: number;
  /** Why the run ended early: a stop request, or --max-errors; null when it read all input. */
  stoppedBy: 'stop' | 'max-errors' | null;
  /** Records left to other machines by --shard. */
  outOfShard: number;
  cache: CacheReport;
}

/** A progress sample: where the run is. */
export interface RunProgress {
  /** Input lines done: answered, invalid, skipped, resumed or in another shard. */
  lines: number;
  /** Counters so far (children's latest snapshots plus invalid records); no latency. */
  stats: WorkerStats;
  elapsedMs: number;
}

