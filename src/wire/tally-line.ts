/**
 * A child's running counters, written among its result lines.
 *
 * A child reports its counters over IPC when it finishes; one that dies (a
 * crash, a kill) never does, and the lines it had answered would be missing
 * from the summary and from --fail. A report over IPC cannot say which lines
 * it covers (the two channels are read apart), so the child writes its
 * counters on its result stream itself, every so many lines: a tally line
 * covers exactly the lines before it. The parent keeps the latest tally and
 * the lines after it (so at most TALLY_LINES lines or about TALLY_BYTES),
 * never forwards a tally, and counts a dead child's lines as the tally plus
 * those lines, recounted from their JSON.
 */
import { StatsCollector } from './stats-collector.js';
import { mergeStats, type WorkerStats } from './stats.js';
import type { Result } from './result-line.js';

/** A tally line starts with this byte; a result line starts with `{`. */
export const TALLY_MARK = 0x3d; // '='

/** A child writes a tally once this many lines, or this many characters of them, have gone out since the last. */
export const TALLY_LINES = 512;
export const TALLY_BYTES = 64 * 1024;

export function encodeTallyLine(stats: WorkerStats): string {
  return `=${JSON.stringify(stats)}\n`;
}

/** The counters of the tally line at buf[start..end) (end at its newline). */
export function decodeTallyLine(buf: Buffer, start: number, end: number): WorkerStats {
  return JSON.parse(buf.toString('utf8', start + 1, end)) as WorkerStats;
}

/** Says when a child's next tally is due: after TALLY_LINES lines or TALLY_BYTES characters. */
export class TallyPacer {
  #lines = 0;
  #chars = 0;

  /** Counts a line written; true when a tally should follow it (and the count starts again). */
  due(line: string): boolean {
    this.#chars += line.length;
    if (++this.#lines < TALLY_LINES && this.#chars < TALLY_BYTES) return false;
    this.#lines = 0;
    this.#chars = 0;
    return true;
  }
}

/**
 * A dead child's counters: its last tally plus the whole result lines it wrote
 * after it. Those lines carry everything counted but whether an attempt was
 * a re-send with h2 offered: such a re-send counts as a retry here.
 */
export function recountAfterTally(tally: WorkerStats | undefined, linesAfter: readonly Buffer[]): WorkerStats {
  const collector = new StatsCollector();
  for (const lines of linesAfter) {
    for (const line of lines.toString('utf8').split('\n')) if (line !== '') collector.count(JSON.parse(line) as Result);
  }
  const stats = collector.snapshot(true, { stored: 0, evictions: 0, peakBytes: 0 });
  if (tally) mergeStats(stats, tally);
  return stats;
}
