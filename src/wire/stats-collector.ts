import { RecordErrorCode } from '../errors.js';
import { hostOf } from '../input/host-of.js';
import { HeavyHitters } from '../stats/heavy-hitters.js';
import { LatencyHistogram } from '../stats/latency-histogram.js';
import { HOST_ERRORS_KEPT, countResult, emptyStats, refusedUnsent, type CountedResult, type WorkerStats } from './stats.js';

/** What a stop answers (ENOTSENT, EABORTED): the run's doing, not its host's, so no host error. */
const STOP_CODES: ReadonlySet<string> = new Set([RecordErrorCode.NOT_SENT, RecordErrorCode.ABORTED]);

/**
 * A child's counters plus what cannot live in plain counters: the latency
 * histogram and the per-host error summary, serialized on snapshot().
 */
export class StatsCollector {
  readonly stats = emptyStats();
  readonly #latency = new LatencyHistogram();
  readonly #hostErrors = new HeavyHitters(HOST_ERRORS_KEPT);

  count(result: CountedResult): void {
    countResult(this.stats, result);
    if (!result.cached && result.attempts > 0) this.#latency.record(result.ms);
    // Nor is a request refused before it went out.
    if ((result.error !== null && !STOP_CODES.has(result.error.code) && !refusedUnsent(result)) || (result.status !== null && result.status >= 400)) this.#hostErrors.add(hostOf(result.url));
  }

  /** Counters to send; `full` adds the histogram and host errors (only the final report needs them). */
  snapshot(full: boolean, cache: { stored: number; evictions: number; peakBytes: number }, attemptsMade = this.stats.attemptsMade): WorkerStats {
    this.stats.attemptsMade = attemptsMade;
    this.stats.cacheStored = cache.stored;
    this.stats.cacheEvictions = cache.evictions;
    this.stats.cachePeakBytes = cache.peakBytes;
    if (!full) return this.stats;
    return { ...this.stats, latency: this.#latency.toData(), hostErrors: this.#hostErrors.toRecord() };
  }
}
