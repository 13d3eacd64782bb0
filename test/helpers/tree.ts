// Linux /proc readers: which processes a CLI run left behind, and how much memory the whole
// tree used (a bulk runner's memory must stay flat however many URLs or bytes go through it).
import { readdirSync, readFileSync } from 'node:fs';

/** Parent pid and state from /proc/<pid>/stat, or undefined if the process is gone. */
function readStat(pid: number): { ppid: number; state: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is in parentheses and may itself contain spaces or ')': split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '?', ppid: Number(rest[1]) };
}

/** Pids of all descendants of pid (children, grandchildren, ...), not including pid itself. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue; // exited while we were listing
    const list = children.get(stat.ppid);
    if (list) list.push(Number(name));
    else children.set(stat.ppid, [Number(name)]);
  }
  const out: number[] = [];
  const queue = [pid];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Resident set size of pid in KiB (VmRSS), or undefined if the process is gone or a zombie. */
export function rssKiB(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * True while pid exists and is not a zombie. A zombie has exited; it only waits to be reaped by
 * its parent, so kill(pid, 0) alone would call it alive.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM means it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** Polls until pid is no longer alive; resolves false if it still is after timeoutMs. */
export async function waitForDeath(pid: number, timeoutMs = 5000, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}

export interface RssSampler {
  /** Highest summed RSS of pid + descendants seen so far, KiB. */
  readonly peakKiB: number;
  /** Highest RSS of any single process of the tree seen so far, KiB. */
  readonly peakProcessKiB: number;
  /** Number of samples that found the root process alive. */
  readonly samples: number;
  /** Stops sampling (takes one last sample first) and returns the peak in KiB. */
  stop(): number;
}

/**
 * Samples the RSS of pid and all its descendants every everyMs and keeps the peak. Sampling
 * misses short spikes between ticks, so use it for "stays under X MB" bounds, not exact numbers.
 * Stops by itself once the root process is gone.
 */
export function sampleTreeRss(pid: number, everyMs = 50): RssSampler {
  let peak = 0;
  let peakProcess = 0;
  let samples = 0;
  const sample = () => {
    const root = rssKiB(pid);
    if (root === undefined) {
      clearInterval(timer);
      return;
    }
    samples++;
    let total = root;
    peakProcess = Math.max(peakProcess, root);
    for (const p of processTree(pid)) {
      const rss = rssKiB(p) ?? 0;
      total += rss;
      peakProcess = Math.max(peakProcess, rss);
    }
    if (total > peak) peak = total;
  };
  const timer = setInterval(sample, everyMs);
  timer.unref(); // never keep the test process alive on its own
  sample();
  return {
    get peakKiB() {
      return peak;
    },
    get peakProcessKiB() {
      return peakProcess;
    },
    get samples() {
      return samples;
    },
    stop() {
      sample();
      clearInterval(timer);
      return peak;
    },
  };
}
