import { Writable } from 'node:stream';
import { countLines } from '../input/count-lines.js';
import type { RunProgress } from '../run-types.js';
import { formatCount } from './format-count.js';

export interface ProgressViewOptions {
  stream: Writable;
  /** Redraw one line in place (\r, erase line); otherwise print plain lines. */
  tty: boolean;
  /** A terminal that takes no escape codes (TERM=dumb): the line is erased with spaces. Default: from TERM. */
  dumb?: boolean;
  /** Injectable clock (ms), for tests. */
  now?: () => number;
}

/** Terminal: at most 10 redraws a second. Not a terminal (a log): one line every 2 s. */
const TTY_INTERVAL_MS = 100;
const LOG_INTERVAL_MS = 2000;
/** Rates are measured over about this long, so ETA neither jumps nor lags much. */
const RATE_WINDOW_MS = 5000;
/** A gap between samples (taken every 100 ms) this long is time the process was stopped. */
const STOPPED_GAP_MS = 2000;

/**
 * Progress on stderr: done / total, requests per second, errors, cache hits, ETA.
 * Draws from RunProgress samples; it never sees individual records.
 */
export class ProgressView {
  readonly #stream: Writable;
  readonly #tty: boolean;
  readonly #dumb: boolean;
  readonly #now: () => number;
  #total: number | undefined;
  #lastDraw = -Infinity;
  #samples: Array<{ at: number; lines: number; requests: number }> = [];
  #drawn = false;
  #last: RunProgress | undefined;
  #lastText = '';
  /** The run is stopping: no ETA (after a Ctrl-C it read "ETA 1s" for the grace, of a run that would not finish). */
  #stopping = false;
  /** Result lines on their way to the same terminal (hold): no draw until they land (release). */
  #held = 0;

  constructor({ stream, tty, dumb = process.env.TERM === 'dumb', now = () => performance.now() }: ProgressViewOptions) {
    this.#stream = stream;
    this.#tty = tty;
    this.#dumb = dumb;
    this.#now = now;
  }

  /** The run began to stop (a signal, --max-errors): the line says so in place of an ETA. */
  stopping(): void {
    this.#stopping = true;
  }

  /** Input lines in all (counted while the run starts; unknown for stdin). */
  setTotal(total: number): void {
    this.#total = total;
  }

  update(progress: RunProgress): void {
    const at = this.#now();
    this.#last = progress;
    // Samples come every 100 ms (run-monitor.ts): a longer gap is time the process did not run (Ctrl-Z, a laptop's
    // suspend), which the rate left in: "4 req/s, ETA 1h03m" for a while after `fg`. Measured afresh from here.
    if (at - (this.#samples.at(-1)?.at ?? at) > STOPPED_GAP_MS) this.#samples = [];
    this.#samples.push({ at, lines: progress.lines, requests: progress.stats.attemptsMade });
    while (this.#samples.length > 2 && at - this.#samples[1]!.at > RATE_WINDOW_MS) this.#samples.shift();
    if (this.#held > 0 || at - this.#lastDraw < (this.#tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS)) return;
    this.#lastDraw = at;
    this.#draw(this.format(progress));
  }

  /** The run is over: a terminal line is erased (the summary follows), a log gets the last state. */
  done(): void {
    if (this.#tty) this.clear();
    else if (this.#last) {
      const text = this.format(this.#last);
      if (text !== this.#lastText) this.#stream.write(`${text}\n`);
    }
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
    if (this.#stopping) parts.push('stopping');
    else if (total !== undefined) {
      const left = Math.max(0, total - progress.lines);
      // Under a second of samples, a rate is noise.
      parts.push(`ETA ${left === 0 ? '0s' : lineRate > 0 && seconds >= 1 ? duration(left / lineRate) : '?'}`);
    }
    return this.#tty ? fitWidth(parts, this.#columns()) : parts.join(' | ');
  }

  /** Erases the line before someone else writes to the same terminal (result lines on stdout). */
  clear(): void {
    if (this.#tty && this.#drawn) {
      this.#stream.write(this.#dumb ? `\r${' '.repeat(this.#lastText.length)}\r` : '\r\x1b[K');
      this.#drawn = false;
    }
  }

  /** Draws the last line again, after clear() or when the terminal was resized. */
  redraw(): void {
    if (this.#tty && this.#last && this.#held === 0) this.#draw(this.format(this.#last));
  }

  /**
   * Erases the line and draws nothing until release(): result lines written to a file that is this
   * terminal (-o /dev/tty) land later than the write call, and a draw meanwhile put the next one on it.
   */
  hold(): void {
    this.#held += 1;
    this.clear();
  }

  release(): void {
    this.#held = Math.max(0, this.#held - 1);
    this.redraw();
  }

  /** Read at every draw: a TTY stream updates `columns` on SIGWINCH. */
  #columns(): number {
    const columns = (this.#stream as { columns?: number }).columns;
    return typeof columns === 'number' && columns > 0 ? columns : 80;
  }

  #draw(text: string): void {
    // Spaces, as git's progress does there, cover what is left of a longer line drawn before.
    const rest = this.#dumb ? ' '.repeat(Math.max(0, this.#lastText.length - text.length)) : '\x1b[K';
    this.#lastText = text;
    if (this.#tty) {
      this.#stream.write(`\r${text}${rest}`);
      this.#drawn = true;
    } else {
      this.#stream.write(`${text}\n`);
    }
  }
}

/**
 * The fields that fit in one terminal row, most important first: later fields
 * are dropped before the line would wrap, and a lone first field is cut. One
 * column is kept free, as a line filling the last column wraps on some terminals.
 */
export function fitWidth(parts: string[], columns: number): string {
  const room = Math.max(1, columns - 1);
  for (let n = parts.length; n > 1; n--) {
    const text = parts.slice(0, n).join(' | ');
    if (text.length <= room) return text;
  }
  const first = parts[0] ?? '';
  if (first.length <= room) return first;
  // Whole words only: `bulkfetch 13/2` read as 13 of 2 where the cut fell inside 13/200. The count
  // matters more than the name, which goes next.
  const words = first.split(' ');
  for (const from of [0, 1]) {
    // With the name, at least the count beside it.
    for (let n = words.length; n > from + (from === 0 && words.length > 1 ? 1 : 0); n--) {
      const text = words.slice(from, n).join(' ');
      if (text.length <= room) return text;
    }
  }
  return first.slice(0, room);
}

function count(n: number): string {
  return formatCount(n);
}

/** 75 -> "1m15s", 4000 -> "1h06m". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * What erases a terminal's line before a notice is written there: the
 * erase-line escape, or over a TERM=dumb terminal (Emacs's shell, which shows
 * escapes as text) spaces to its width.
 */
export function eraseLine(stream: Writable): string {
  if (process.env.TERM !== 'dumb') return '\r\x1b[K';
  const columns = (stream as { columns?: number }).columns;
  return `\r${' '.repeat(Math.max(0, (typeof columns === 'number' && columns > 0 ? columns : 80) - 1))}\r`;
}

/**
 * A ProgressView for a run reading `inputPath`: for a file, its lines are
 * counted alongside the run for the total. close() erases or ends the view.
 */
export function startProgress(stream: Writable, inputPath: string, knownTotal?: number): ProgressHandle {
  const view = new ProgressView({ stream, tty: (stream as { isTTY?: boolean }).isTTY === true });
  const counting = new AbortController();
  // A terminal's stream emits 'resize' on SIGWINCH, after updating its columns.
  const onResize = (): void => view.redraw();
  stream.on('resize', onResize);
  // URLs given as arguments are counted already (globs included); a file is counted meanwhile.
  if (knownTotal !== undefined) view.setTotal(knownTotal);
  else if (inputPath !== '-') {
    countLines(inputPath, counting.signal).then(
      (total) => view.setTotal(total),
      () => {}, // no total: progress shows done without percentage and ETA
    );
  }
  return {
    update: (progress) => view.update(progress),
    stopping: () => view.stopping(),
    clear: () => view.clear(),
    redraw: () => view.redraw(),
    hold: () => view.hold(),
    release: () => view.release(),
    close: () => {
      counting.abort();
      stream.off('resize', onResize);
      view.done();
    },
  };
}

export interface ProgressHandle {
  update(progress: RunProgress): void;
  /** The run began to stop: no ETA from here on. */
  stopping(): void;
  /** Erase the line (before result lines go to the same terminal). */
  clear(): void;
  /** Draw it again after clear(). */
  redraw(): void;
  /** Erase it and draw nothing until release(): while result lines are on their way to the same terminal. */
  hold(): void;
  release(): void;
  close(): void;
}

/**
 * Result lines for a terminal that also shows the progress line (stdout and
 * stderr the same terminal): the progress line is erased before each write
 * and drawn again after it, so results never land on it or interleave with it.
 */
export function besideProgress(stdout: Writable, progress: ProgressHandle): Writable {
  // A failed write reaches the run through the callback below, as the wrapper's own 'error';
  // the terminal's stream emits one too (EIO once it has closed), which must not go unheard.
  stdout.on('error', () => {});
  return new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, done) {
      progress.hold();
      stdout.write(chunk, (error) => {
        progress.release();
        done(error);
      });
    },
  });
}
