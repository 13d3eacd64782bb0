/** The counters children report over IPC and the parent merges: part of the wire contract. */
import { RecordErrorCode, isSaveDiskFull } from '../errors.js';
import type { Result } from './result-line.js';
import { HeavyHitters } from '../stats/heavy-hitters.js';
import { emptyHistogramData, mergeHistogramData, type HistogramData } from '../stats/latency-histogram.js';

/** Hosts whose error counts a child (and the merged summary) keeps: Misra-Gries bounded. */
export const HOST_ERRORS_KEPT = 100;

/** Counters a child keeps and reports; the parent merges them (summary, progress, --fail). */
export interface WorkerStats {
  records: number;
  /**
   * Records a child refused before anything went out (refusedUnsent: a Content-Length its body does not
   * have, known only once -d's body is applied): invalid records, as the parent's are, not records sent.
   */
  refused: number;
  /** HTTP attempts sent to servers (retries included, cache hits not). */
  requests: number;
  /** The same attempts counted as each ends, not as its record does: what the progress line's req/s reads. */
  attemptsMade: number;
  cached: number;
  /** Responses the cache stored, and entries it dropped for room before their last use. */
  cacheStored: number;
  cacheEvictions: number;
  /** The most bytes one child's cache held at once (merged as the largest). */
  cachePeakBytes: number;
  /** Records that ended with an error. */
  errors: number;
  errorCodes: Record<string, number>;
  /** ESAVE records whose body the disk had no room for (what a full disk's notice counts: not EISDIR, EACCES ...). */
  savesWithoutRoom: number;
  /** Final status code -> record count. */
  status: Record<string, number>;
  /** Records whose status was >= 400 (for --fail). */
  httpErrors: number;
  /** Requests that repeated an attempt (--retries, a closed connection); redirect hops are apart. */
  retries: number;
  /** Requests that followed a redirect (-L). */
  redirects: number;
  /** Requests sent again with h2 offered, their origin having turned HTTP/1.1 away (apart from retries). */
  http2Resent: number;
  /** Requests sent again at once, unprocessed: on a connection the server had closed, or an HTTP/2 stream it refused (apart from retries). */
  resent: number;
  /** Wall time of records that sent requests (cache hits left out), all attempts included. */
  latency: HistogramData;
  /** Host -> records that ended with an error or a status >= 400 (the hosts with the most, see HOST_ERRORS_KEPT). */
  hostErrors: Record<string, number>;
}

export function emptyStats(): WorkerStats {
  return {
    records: 0,
    refused: 0,
    requests: 0,
    attemptsMade: 0,
    cached: 0,
    cacheStored: 0,
    cacheEvictions: 0,
    cachePeakBytes: 0,
    errors: 0,
    errorCodes: {},
    savesWithoutRoom: 0,
    status: {},
    httpErrors: 0,
    retries: 0,
    redirects: 0,
    http2Resent: 0,
    resent: 0,
    latency: emptyHistogramData(),
    hostErrors: {},
  };
}

/** The fields of a result that its counters read (a cached line is counted without building a whole Result). */
export type CountedResult = Pick<Result, 'url' | 'status' | 'error' | 'ms' | 'attempts' | 'cached' | 'redirects'> & {
  /** 1 when the record was sent again with h2 offered (never in the output line). */
  http2Resent?: number;
  /** Times the record went again unprocessed (never in the output line). */
  resent?: number;
};

/** A record the child answered without sending: its request was refused (EINVALIDHEADER, attempts 0). */
export function refusedUnsent(result: Pick<CountedResult, 'attempts' | 'cached' | 'error'>): boolean {
  return !result.cached && result.attempts === 0 && result.error?.code === RecordErrorCode.INVALID_HEADER;
}

export function countResult(stats: WorkerStats, result: CountedResult): void {
  stats.records += 1;
  if (refusedUnsent(result)) stats.refused += 1;
  if (result.cached) stats.cached += 1;
  else {
    stats.requests += result.attempts;
    // attempts counts every request of the record: its first, each redirect hop, and each retry of either.
    if (result.attempts > 1) {
      const redirects = result.redirects ?? 0;
      const http2Resent = result.http2Resent ?? 0;
      const resent = result.resent ?? 0;
      stats.redirects += redirects;
      stats.http2Resent += http2Resent;
      stats.resent += resent;
      stats.retries += result.attempts - 1 - redirects - http2Resent - resent;
    }
  }
  if (result.error) {
    stats.errors += 1;
    stats.errorCodes[result.error.code] = (stats.errorCodes[result.error.code] ?? 0) + 1;
    if (isSaveDiskFull(result.error)) stats.savesWithoutRoom += 1;
  }
  if (result.status !== null) {
    const key = String(result.status);
    stats.status[key] = (stats.status[key] ?? 0) + 1;
    if (result.status >= 400) stats.httpErrors += 1;
  }
}

/** Adds `from` into `into` (merging children's reports). */
export function mergeStats(into: WorkerStats, from: WorkerStats): void {
  into.records += from.records;
  into.refused += from.refused;
  into.requests += from.requests;
  into.attemptsMade += from.attemptsMade;
  into.cached += from.cached;
  into.cacheStored += from.cacheStored;
  into.cacheEvictions += from.cacheEvictions;
  into.cachePeakBytes = Math.max(into.cachePeakBytes, from.cachePeakBytes);
  into.errors += from.errors;
  into.savesWithoutRoom += from.savesWithoutRoom;
  into.httpErrors += from.httpErrors;
  into.retries += from.retries;
  into.redirects += from.redirects;
  into.http2Resent += from.http2Resent;
  into.resent += from.resent;
  for (const [code, n] of Object.entries(from.errorCodes)) into.errorCodes[code] = (into.errorCodes[code] ?? 0) + n;
  for (const [code, n] of Object.entries(from.status)) into.status[code] = (into.status[code] ?? 0) + n;
  into.latency = mergeHistogramData(into.latency, from.latency);
  if (Object.keys(from.hostErrors).length > 0) {
    const hosts = new HeavyHitters(HOST_ERRORS_KEPT);
    hosts.merge(into.hostErrors);
    hosts.merge(from.hostErrors);
    into.hostErrors = hosts.toRecord();
  }
}
