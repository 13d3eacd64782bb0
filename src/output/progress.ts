import type { Writable } from 'node:stream';
import { countLines } from '../input/count-lines.js';
import type { RunProgress } from '../run-types.js';

export interface ProgressViewOptions {
  stream: Writable;
  /** Redraw one line in place (\r, erase line); otherwise print plain lines. */
  tty: boolean;
  /** Injectable clock (ms), for tests. */
  now?: () => number;
}

/** Terminal: at most 10 redraws a second. Not a terminal (a log): one line every 2 s. */
const TTY_INTERVAL_MS = 100;
const LOG_INTERVAL_MS = 2000;
/** Rates are measured over about this long, so ETA neither jumps nor lags much. */
const RATE_WINDOW_MS = 5000;

/**
 * Progress on stderr: done / total, requests per second, errors, cache hits, ETA.
 * Draws from RunProgress samples; it never sees individual records.
 */
export class ProgressView {
  readonly #stream: Writable;
  readonly #tty: boolean;
  readonly #now: () => number;
  #total: number | undefined;
  #lastDraw = -Infinity;
  #samples: Array<{ at: number; lines: number; requests: number }> = [];
  #drawn = false;
  #last: RunProgress | undefined;
  #lastText = '';

  constructor({ stream, tty, now = () => performance.now() }: ProgressViewOptions) {
    this.#stream = stream;
    this.#tty = tty;
    this.#now = now;
  }

  /** Input lines in all (counted while the run starts; unknown for stdin). */
  setTotal(total: number): void {
    this.#total = total;
  }

  update(progress: RunProgress): void {
    const at = this.#now();
    this.#last = progress;
    this.#samples.push({ at, lines: progress.lines, requests: progress.stats.requests });
    while (this.#samples.length > 2 && at - this.#samples[1]!.at > RATE_WINDOW_MS) this.#samples.shift();
    if (at - this.#lastDraw < (this.#tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS)) return;
    this.#lastDraw = at;
    this.#draw(this.format(progress));
  }

  /** The run is over: a terminal line is erased (the summary follows), a log gets the last state. */
  done(): void {
    if (this.#tty) {
      if (this.#drawn) this.#stream.write('\r\x1b[K');
    } else if (this.#last) {
      const text = this.format(this.#last);
      if (text !== this.#lastText) this.#stream.write(`${text}\n`);
    }
    this.#drawn = false;
  }

  format(progress: RunProgress): string {
    const { stats } = progress;
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    const seconds = first && last && last.at > first.at ? (last.at - first.at) / 1000 : 0;
    const lineRate = seconds > 0 ? (last!.lines - first!.lines) / seconds : 0;
    const requestRate = seconds > 0 ? (last!.requests - first!.requests) / seconds : 0;
    const total = this.#total;
    let done = count(progress.lines);
    if (total !== undefined && total > 0) done += `/${count(total)} lines ${Math.min(100, (100 * progress.lines) / total).toFixed(1)}%`;
    else done += ' lines';
    const parts = [
      `bulkfetch ${done}`,
      `${count(Math.round(requestRate))} req/s`,
      `${count(stats.errors)} errors`,
      `${count(stats.cached)} cached`,
    ];
    if (total !== undefined) {
      const left = Math.max(0, total - progress.lines);
      // Under a second of samples, a rate is noise.
      parts.push(`ETA ${left === 0 ? '0s' : lineRate > 0 && seconds >= 1 ? duration(left / lineRate) : '?'}`);
    }
    return parts.join(' | ');
  }

  #draw(text: string): void {
    this.#lastText = text;
    if (this.#tty) {
      this.#stream.write(`\r${text}\x1b[K`);
      this.#drawn = true;
    } else {
      this.#stream.write(`${text}\n`);
    }
  }
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** 75 -> "1m15s", 4000 -> "1h06m". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * A ProgressView for a run reading `inputPath`: for a file, its lines are
 * counted alongside the run for the total. close() erases or ends the view.
 */
export function startProgress(stream: Writable, inputPath: string): { update(progress: RunProgress): void; close(): void } {
  const view = new ProgressView({ stream, tty: (stream as { isTTY?: boolean }).isTTY === true });
  const counting = new AbortController();
  if (inputPath !== '-') {
    countLines(inputPath, counting.signal).then(
      (total) => view.setTotal(total),
      () => {}, // no total: progress shows done without percentage and ETA
    );
  }
  return {
    update: (progress) => view.update(progress),
    close: () => {
      counting.abort();
      view.done();
    },
  };
}
