// @ts-check
// Linux /proc readers and the process-group kill, shared by the tests (test/helpers/tree.ts,
// test/helpers/cli.ts) and the benchmark (bench/measure.js): which processes a run left behind,
// and how much memory the whole tree used (a bulk runner's memory must stay flat however many
// URLs or bytes go through it). Plain JS with JSDoc types, so bench/ runs it without a build.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Text of /proc/<pid>/<file>, or undefined if the process is gone.
 * @param {number} pid
 * @param {'stat' | 'status'} file
 */
function readProc(pid, file) {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return undefined;
  }
}

/**
 * The fields of /proc/<pid>/stat after comm (field 3, the state, first), or undefined if the process is gone.
 * @param {number} pid
 * @returns {string[] | undefined}
 */
function statFieldsAfterComm(pid) {
  const text = readProc(pid, 'stat');
  // Field 2 (comm) is in parentheses and may itself contain spaces or ')': split after the last ')'.
  return text === undefined ? undefined : text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/**
 * State and parent pid from /proc/<pid>/stat, or undefined if the process is gone.
 * @param {number} pid
 * @returns {{ state: string, ppid: number } | undefined}
 */
function readStat(pid) {
  const rest = statFieldsAfterComm(pid);
  return rest === undefined ? undefined : { state: rest[0] ?? '?', ppid: Number(rest[1]) };
}

/**
 * One scan of /proc: parent pid -> its children's pids.
 * @returns {Map<number, number[]>}
 */
function childrenByParent() {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  /** @type {string[]} */
  let names;
  try {
    names = readdirSync('/proc');
  } catch {
    return children;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue; // exited while we were listing
    const list = children.get(stat.ppid);
    if (list) list.push(Number(name));
    else children.set(stat.ppid, [Number(name)]);
  }
  return children;
}

/**
 * Pids of all descendants of pid (children, grandchildren, ...), not including pid itself.
 * @param {number} pid
 * @returns {number[]}
 */
export function processTree(pid) {
  const children = childrenByParent();
  /** @type {number[]} */
  const out = [];
  const queue = [pid];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Clock ticks a second, as /proc/<pid>/stat counts CPU time (getconf CLK_TCK: 100 on Linux x86-64). */
const CLOCK_TICKS_PER_S = 100;

/**
 * CPU time (user + system) pids have used so far, in ms, each read from /proc/<pid>/stat; a pid gone counts 0.
 * A long-lived server's own share of a run is the difference of two readings around it (bench/run.js, TLS).
 * @param {number[]} pids
 * @returns {number}
 */
export function cpuMsOf(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const rest = statFieldsAfterComm(pid);
    // utime is field 14 and stime field 15 (man 5 proc): indexes 11 and 12 after comm.
    if (rest !== undefined) ticks += Number(rest[11]) + Number(rest[12]);
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_S;
}

/**
 * Resident set size of pid in KiB (VmRSS), or undefined if the process is gone or a zombie.
 * @param {number} pid
 * @returns {number | undefined}
 */
export function rssKiB(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readProc(pid, 'status') ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * Open file descriptors of pid (sockets, pipes, files), or undefined if the process is gone.
 * @param {number} pid
 * @returns {number | undefined}
 */
export function openFds(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/**
 * True while pid exists and is not a zombie. A zombie has exited; it only waits to be reaped by
 * its parent, so kill(pid, 0) alone would call it alive.
 * @param {number} pid
 * @returns {boolean}
 */
export function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM means it exists but belongs to someone else.
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/**
 * Sends signal to the process group led by pid (a child spawned with detached: true leads its
 * own group, so this reaches everything it started); ignores an already-empty group.
 * @param {number} pid
 * @param {NodeJS.Signals} [signal]
 */
export function killGroup(pid, signal = 'SIGKILL') {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/**
 * @typedef {object} RssSampler
 * @property {number} peakKiB Highest summed RSS of the tree seen so far, KiB.
 * @property {number} peakProcessKiB Highest RSS of any single process of the tree seen so far, KiB.
 * @property {number} peakProcs Most processes counted in one sample.
 * @property {number} peakProcessFds Most descriptors open in any single process of the tree (0 unless fds: true).
 * @property {number} samples Number of samples that found the root process alive.
 * @property {() => void} sample Takes one sample now (e.g. shortly after spawn, to catch very short runs).
 * @property {() => number} stop Stops sampling (takes one last sample first) and returns peakKiB.
 */

/**
 * Samples the RSS of pid's tree every everyMs and keeps the peaks. Sampling misses short spikes
 * between ticks, so use it for "stays under X MB" bounds, not exact numbers. Stops by itself once
 * the root process is gone; never keeps the process alive on its own.
 * @param {number} pid
 * @param {{ everyMs?: number, includeRoot?: boolean, fds?: boolean }} [opts] includeRoot: false when the root is
 *   only a wrapper (bench measures through /usr/bin/time) whose memory is not the subject;
 *   fds: also count each process's open descriptors.
 * @returns {RssSampler}
 */
export function sampleTreeRss(pid, { everyMs = 50, includeRoot = true, fds = false } = {}) {
  let peakFds = 0;
  let peak = 0;
  let peakProcess = 0;
  let peakProcs = 0;
  let samples = 0;
  const sample = () => {
    const root = rssKiB(pid);
    if (root === undefined) {
      clearInterval(timer);
      return;
    }
    samples++;
    const tree = processTree(pid);
    if (fds) for (const p of includeRoot ? [pid, ...tree] : tree) peakFds = Math.max(peakFds, openFds(p) ?? 0);
    const sizes = tree.map((p) => rssKiB(p) ?? 0);
    if (includeRoot) sizes.push(root);
    const total = sizes.reduce((a, b) => a + b, 0);
    peak = Math.max(peak, total);
    peakProcess = Math.max(peakProcess, ...sizes);
    peakProcs = Math.max(peakProcs, sizes.length);
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  sample();
  return {
    get peakKiB() {
      return peak;
    },
    get peakProcessKiB() {
      return peakProcess;
    },
    get peakProcs() {
      return peakProcs;
    },
    get peakProcessFds() {
      return peakFds;
    },
    get samples() {
      return samples;
    },
    sample,
    stop() {
      sample();
      clearInterval(timer);
      return peak;
    },
  };
}
