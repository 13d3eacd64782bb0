import type { CacheMode, CacheReport } from '../../run-types.js';
import { formatCount } from '../../output/format-count.js';

/** Below this share of requests repeating an earlier one, a cache does not repay its memory and per-request cost. */
export const MIN_REPEAT_RATIO = 0.02;

/** Records a stream's repeat share is judged over before the cache is switched on or off again. */
export const STREAM_WINDOW = 10_000;

/** The decision, before the cache's own counters (hits, stored, evictions) are known. */
export type CacheDecision = Omit<CacheReport, 'hits' | 'stored' | 'evictions' | 'peakBytes'>;

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** A share beside MIN_REPEAT_RATIO, with the digit that tells them apart: 1.96 % read "2.0% (under 2.0%)". */
const pctBesideMin = (x: number): string => (x !== MIN_REPEAT_RATIO && pct(x) === pct(MIN_REPEAT_RATIO) ? `${(x * 100).toFixed(2)}%` : pct(x));

export function repeatRatioOf(requests: number, distinct: number): number {
  return requests === 0 ? 0 : Math.round(((requests - Math.min(requests, distinct)) / requests) * 10_000) / 10_000;
}

/** --cache on or off: the flag decides, nothing is analyzed. */
export function decideByFlag(mode: Exclude<CacheMode, 'auto'>): CacheDecision {
  return {
    mode,
    enabled: mode === 'on',
    why: mode === 'on' ? '--cache on: every GET/HEAD response is kept (within --cache-bytes)' : '--cache off: every record is fetched',
    basis: 'flag',
    distinct: 0,
    repeatRatio: 0,
    analysisMs: 0,
  };
}

/**
 * --cache auto over a file read in full first: cache only when enough requests
 * repeat, and then keep each response exactly until its request's last repeat.
 * `procs` only shapes the explanation (each child caches its own share of keys).
 */
export function decideForFile(scan: { requests: number; distinct: number; ms: number; cutShort?: boolean }, procs: number): CacheDecision {
  const repeatRatio = repeatRatioOf(scan.requests, scan.distinct);
  const enabled = scan.requests > 0 && repeatRatio >= MIN_REPEAT_RATIO;
  const n = formatCount;
  // Stopped during the pass, nothing was sent: the counts are of the file's start, which a summary must not pass off as the file's.
  if (scan.cutShort) return { mode: 'auto', enabled: false, why: `the stop came during the pass over the file, after ${n(scan.requests)} requests: nothing was sent`, basis: 'file', distinct: scan.distinct, repeatRatio, analysisMs: scan.ms };
  const why = scan.requests === 0
    ? 'no request the cache answers (a GET or HEAD, and with --save one not named by its id): no cache'
    : enabled
    ? `${pct(repeatRatio)} of ${n(scan.requests)} requests repeat an earlier one (about ${n(scan.distinct)} distinct, ${n(Math.ceil(scan.distinct / procs))} a process): a response is kept only while its request comes again later in the file`
    : `${pctBesideMin(repeatRatio)} of ${n(scan.requests)} requests repeat an earlier one (under ${pct(MIN_REPEAT_RATIO)}): no cache`;
  return { mode: 'auto', enabled, why, basis: 'file', distinct: scan.distinct, repeatRatio, analysisMs: scan.ms };
}

/** --cache auto over a stream: decided as records go by (see StreamPlanner); this is how the run ended. */
export function decideForStream(seen: { requests: number; repeats: number; enabled: boolean }): CacheDecision {
  const distinct = seen.requests - seen.repeats;
  const repeatRatio = repeatRatioOf(seen.requests, distinct);
  // On until a window of STREAM_WINDOW records shows too few repeats: a shorter stream never had one judged,
  // and "on" beside "0.0% repeats" read as a contradiction.
  const unjudged = seen.requests < STREAM_WINDOW ? ` (judged every ${formatCount(STREAM_WINDOW)} records, so on for a stream this short)` : '';
  const why = seen.enabled
    // Said plainly: a list given twice on stdin had analyze call the cache worth it, and the run then had no hit.
    ? `a stream: a response is kept once its request was seen twice, for its third sighting on (a request that comes just twice is fetched twice, unless both are in flight together; --cache on keeps every response); ${pct(repeatRatio)} of requests were repeats${unjudged}`
    : `a stream: ${pctBesideMin(repeatRatio)} of requests were repeats (under ${pct(MIN_REPEAT_RATIO)} over the last window): cache off`;
  return { mode: 'auto', enabled: seen.enabled, why, basis: 'stream', distinct, repeatRatio, analysisMs: 0 };
}
