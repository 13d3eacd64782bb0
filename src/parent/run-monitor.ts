import type { WorkerPool } from './worker-pool.js';
import type { RunProgress } from '../run-types.js';
import { emptyStats, mergeStats, type WorkerStats } from '../wire/stats.js';

/** What the parent itself counts while it reads input. */
export interface InputCounters {
  /** Blank and comment lines. */
  skipped: number;
  /** Records answered in the parent as invalid, by code. */
  invalid: number;
  invalidCodes: Record<string, number>;
  /** Records that belong to another --shard. */
  outOfShard: number;
  /** Records already in the output (--resume). */
  resumed: number;
}

export function emptyInputCounters(): InputCounters {
  return { skipped: 0, invalid: 0, invalidCodes: {}, outOfShard: 0, resumed: 0 };
}

/** Children's counters plus the parent's invalid records, as a new object. */
export function withInvalid(children: WorkerStats, counters: InputCounters): WorkerStats {
  const stats = emptyStats();
  mergeStats(stats, children);
  for (const [code, n] of Object.entries(counters.invalidCodes)) stats.errorCodes[code] = (stats.errorCodes[code] ?? 0) + n;
  stats.records += counters.invalid;
  stats.errors += counters.invalid;
  return stats;
}

/**
 * Samples progress every `intervalMs` without touching the per-record path:
 * answered counts are the pool's own, the rest comes from children's stats
 * snapshots, asked for over IPC once per sample. Returns a stop function.
 */
export function monitorRun(
  pool: WorkerPool,
  counters: InputCounters,
  onProgress: (progress: RunProgress) => void,
  intervalMs: number,
): () => void {
  const started = performance.now();
  const sample = (): void => {
    const answered = pool.shards.reduce((a, b) => a + b, 0);
    onProgress({
      lines: answered + counters.skipped + counters.invalid + counters.outOfShard + counters.resumed,
      stats: withInvalid(pool.liveStats(), counters),
      elapsedMs: performance.now() - started,
    });
  };
  pool.pollStats();
  const timer = setInterval(() => {
    sample();
    pool.pollStats();
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    sample();
  };
}
