import { RecordErrorCode } from '../errors.js';
import type { CacheReport, RunSummary } from '../run-types.js';
import type { WorkerStats } from '../wire/stats.js';
import { LatencyHistogram } from '../stats/latency-histogram.js';
import { formatCount } from './format-count.js';

/** Hosts listed in the summary: those with the most errors. */
const HOSTS_SHOWN = 10;

/** The summary: `--summary FILE` writes exactly this, and stderr shows it for people. */
export interface SummaryJson extends Pick<WorkerStats, 'records' | 'requests' | 'cached' | 'errors' | 'status' | 'errorCodes' | 'retries' | 'redirects' | 'http2Resent' | 'resent'> {
  /** Records answered by sending requests: records = sent + cached + invalid + notSent. */
  sent: number;
  /** Records a stop came before (Ctrl-C, --max-errors), answered ENOTSENT without a request: --resume sends them. */
  notSent: number;
  /** Records refused before any request (invalid URL, spec ...). */
  invalid: number;
  /** Input lines that were no record of this run, apart from `records`. */
  skipped: { blank: number; resumed: number; otherShards: number };
  /** Why the run ended before reading all its input (a signal or stop request, --max-errors); null when it read everything. */
  stoppedBy: 'stop' | 'max-errors' | null;
  /** Stopped runs, CLI with an input file: input lines never read (null otherwise). */
  notRead?: number | null;
  elapsedMs: number;
  /** Requests sent per second of the run. */
  rps: number;
  /** Over records that sent requests (cache hits left out), all attempts included; merged across children. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** The hosts with the most records ending in an error or a status >= 400, most first. */
  hosts: Array<{ host: string; errors: number }>;
  /** Beyond the issue's list: records answered by each child, how even the hash split came out. */
  shards: number[];
  /** What --cache decided and why, and what the cache did (hits, stored, evictions). */
  cache: CacheReport;
}

export function toSummaryJson(run: RunSummary): SummaryJson {
  const latency = LatencyHistogram.from(run.latency);
  const ms = (n: number): number => Math.round(n * 10) / 10;
  const hosts = Object.entries(run.hostErrors)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, HOSTS_SHOWN)
    .map(([host, errors]) => ({ host, errors }));
  // Never cached, never invalid: a record answered ENOTSENT is in no other count (see RequestLoop.handle).
  const notSent = run.errorCodes[RecordErrorCode.NOT_SENT] ?? 0;
  return {
    records: run.records,
    sent: run.records - run.cached - run.invalid - notSent,
    notSent,
    cached: run.cached,
    invalid: run.invalid,
    skipped: { blank: run.skipped, resumed: run.resumed, otherShards: run.outOfShard },
    requests: run.requests,
    errors: run.errors,
    status: sortedByKey(run.status),
    errorCodes: sortedByCount(run.errorCodes),
    retries: run.retries,
    redirects: run.redirects,
    http2Resent: run.http2Resent,
    resent: run.resent,
    elapsedMs: run.elapsedMs,
    rps: run.elapsedMs > 0 ? Math.round((run.requests * 1000 * 10) / run.elapsedMs) / 10 : 0,
    latencyMs: { p50: ms(latency.percentile(50)), p90: ms(latency.percentile(90)), p99: ms(latency.percentile(99)), max: ms(latency.maxMs) },
    hosts,
    shards: run.shards,
    cache: run.cache,
    stoppedBy: run.stoppedBy,
  };
}

/**
 * The summary for people, a few aligned lines for stderr. The counts add up:
 * records = sent + cached + invalid (+ not sent, after a stop); skipped lines are listed apart, and so are
 * retries and redirect hops (requests counts every HTTP request: first attempts, retries, redirects).
 * `extra` rows (a stopped run's) go after the counts.
 */
export function formatSummary(summary: SummaryJson, extra: Array<[string, string]> = []): string {
  const n = formatCount;
  const pairs = (o: Record<string, number>): string => Object.entries(o).map(([k, v]) => `${k} ${n(v)}`).join(', ') || 'none';
  const { blank, resumed, otherShards } = summary.skipped;
  const skipped = [
    blank ? `${n(blank)} blank/comment lines` : '',
    resumed ? `${n(resumed)} already in the output (--resume)` : '',
    otherShards ? `${n(otherShards)} in other shards` : '',
  ].filter(Boolean);
  const { p50, p90, p99, max } = summary.latencyMs;
  const rows: Array<[string, string]> = [
    ['records', `${n(summary.records)} = ${n(summary.sent)} sent + ${n(summary.cached)} cached + ${n(summary.invalid)} invalid${summary.notSent > 0 ? ` + ${n(summary.notSent)} not sent` : ''}`],
    ...(skipped.length > 0 ? [['skipped', skipped.join(', ')] as [string, string]] : []),
    ['requests', `${n(summary.requests)} HTTP request${summary.requests === 1 ? '' : 's'} (${n(summary.retries)} of them retries${summary.redirects > 0 ? `, ${n(summary.redirects)} redirects` : ''}${summary.http2Resent > 0 ? `, ${n(summary.http2Resent)} sent again with HTTP/2 offered` : ''}${summary.resent > 0 ? `, ${n(summary.resent)} sent again unprocessed` : ''})`],
    ['errors', summary.errors === 0 ? '0' : `${n(summary.errors)}: ${pairs(summary.errorCodes)}`],
    ['status', pairs(summary.status)],
    ['elapsed', `${(summary.elapsedMs / 1000).toFixed(1)}s, ${n(summary.rps)} req/s`],
    ['latency ms', `p50 ${p50}  p90 ${p90}  p99 ${p99}  max ${max}`],
    ['cache', cacheLine(summary.cache, n)],
  ];
  if (summary.hosts.length > 0) {
    rows.push(['error hosts', `${summary.hosts.slice(0, 5).map((h) => `${h.host} ${n(h.errors)}`).join(', ')} (errors and 4xx/5xx)`]);
  }
  rows.push(...extra);
  return `bulkfetch summary\n${rows.map(([k, v]) => `  ${k.padEnd(12)}${v}`).join('\n')}\n`;
}

function sortedByKey(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

function sortedByCount(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

function cacheLine(cache: CacheReport, n: (x: number) => string): string {
  const did = cache.enabled || cache.hits > 0 ? `; ${n(cache.hits)} hits, ${n(cache.stored)} stored, ${n(cache.evictions)} evicted` : '';
  return `${cache.enabled ? 'on' : 'off'} (${cache.mode}): ${cache.why}${did}`;
}
