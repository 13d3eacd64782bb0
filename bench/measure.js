// @ts-check
// Run one command and measure it:
//   wallMs            - spawn -> exit (hrtime)
//   cpuMs             - user+sys of the whole process tree (via /usr/bin/time, which reports the
//                       rusage of the command and all its waited-for descendants; fallback: bash `times`)
//   peakRssMaxProcKiB - peak RSS of the largest single process in the tree (sampled from /proc)
//   peakRssTreeKiB    - peak of the summed RSS of all processes in the tree (sampled from /proc)
//   stdoutLines       - newline count of stdout (when stdout: 'count')
// With stdoutLinesPerSec, stdout is read no faster than that many lines a second (a slow consumer:
// the pipe fills and the command feels backpressure); the reader is this process, outside the tree.
// The command runs in its own process group; on timeout the whole group is killed, and any
// stragglers in the group are killed after it exits too.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killGroup, sampleTreeRss } from './lib/proc-tree.js';

/** @type {string | null | undefined} */
let timeBin;
/** /usr/bin/time if present (installed on first use where apt-get can), else null. */
function findTimeBin() {
  if (timeBin !== undefined) return timeBin;
  if (!fs.existsSync('/usr/bin/time')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['install', '-y', 'time'], { stdio: 'ignore', env });
  }
  timeBin = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  return timeBin;
}

// process groups still running; killed if the orchestrator exits (incl. via SIGINT/SIGTERM
// handlers that call process.exit, as nginx.js and run.js install)
/** @type {Set<number>} */
const liveGroups = new Set();
process.on('exit', () => { for (const g of liveGroups) killGroup(g, 'SIGKILL'); });

/**
 * bash `times` clock, e.g. 1m2.345s, in ms.
 * @param {string | undefined} s
 */
function parseClock(s = '') {
  const m = /(\d+)m([\d.]+)s/.exec(s);
  return m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : NaN;
}

/**
 * @typedef {object} Measurement
 * @property {number} wallMs
 * @property {number} cpuMs
 * @property {number} userMs
 * @property {number} sysMs
 * @property {number} peakRssMaxProcKiB
 * @property {number} peakRssTreeKiB
 * @property {number} peakProcs
 * @property {number} peakFdsMaxProc most descriptors open in one process (sampled; 0 unless opts.fds)
 * @property {number} timeMaxRssKiB ru_maxrss of the largest descendant, from /usr/bin/time
 * @property {number | null} stdoutLines
 * @property {number | null} stdoutOk lines with `"status":200` (when stdout: 'status')
 * @property {string | undefined} stdout
 * @property {number | null} exitCode
 * @property {NodeJS.Signals | null} signal
 * @property {boolean} timedOut
 * @property {string} stderrTail
 */

/**
 * A measured run of one contender over n requests, as the scenarios in run.js tabulate it.
 * @typedef {Measurement & { n: number, reqps: number, ok: boolean }} Run
 */

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {{timeoutMs?:number, stdin?:string|null, stdout?:'count'|'status'|'null'|'capture',
 *          env?:NodeJS.ProcessEnv, cwd?:string, sampleMs?:number, fds?:boolean, stdoutLinesPerSec?:number}} opts  stdin: file path or null (= /dev/null);
 *          stdout 'status': count lines, and the `"status":200` in them; stdoutLinesPerSec: pace the reading of stdout
 * @returns {Promise<Measurement>}
 */
export function measure(cmd, args = [], opts = {}) {
  const { timeoutMs = 120_000, stdin = null, stdout = 'count', env, cwd, sampleMs = 50, fds = false, stdoutLinesPerSec = 0 } = opts;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkfetch-bench-m-'));
  const timesFile = path.join(tmp, 'times');
  const tb = findTimeBin();
  let argv0, argv;
  if (tb) {
    argv0 = tb;
    argv = ['-f', '%e %U %S %M', '-o', timesFile, '--', cmd, ...args];
  } else {
    argv0 = 'bash';
    argv = ['-c', '"$@"; rc=$?; times > "$TIMES_FILE"; exit $rc', 'bash', cmd, ...args];
  }
  const stdinFd = fs.openSync(stdin || '/dev/null', 'r');
  const nullOut = stdout === 'null' ? fs.openSync('/dev/null', 'w') : null;
  const t0 = performance.now();
  const child = spawn(argv0, argv, {
    cwd,
    env: { ...process.env, ...env, TIMES_FILE: timesFile },
    detached: true, // new process group == child.pid
    stdio: [stdinFd, nullOut ?? 'pipe', 'pipe'],
  });
  fs.closeSync(stdinFd);
  const pid = /** @type {number} */ (child.pid); // spawn failures surface as 'error' below
  if (child.pid) liveGroups.add(pid);
  if (nullOut !== null) fs.closeSync(nullOut);

  let lines = 0;
  let ok200 = 0;
  let carry = '';
  const OK = '"status":200';
  let captured = '';
  if (child.stdout) {
    child.stdout.on('data', (/** @type {Buffer} */ buf) => {
      if (stdout === 'capture') { captured += buf.toString('utf8'); return; }
      let i = -1;
      while ((i = buf.indexOf(10, i + 1)) !== -1) lines++;
      if (stdoutLinesPerSec > 0) {
        // ahead of the pace: stop reading until the schedule catches up (the pipe then fills)
        const aheadMs = (lines / stdoutLinesPerSec) * 1000 - (performance.now() - t0);
        if (aheadMs > 1) {
          const out = /** @type {import('node:stream').Readable} */ (child.stdout);
          out.pause();
          setTimeout(() => out.resume(), aheadMs);
        }
      }
      if (stdout !== 'status') return;
      // The carry (one byte short of a match) catches a match split between two chunks.
      const text = carry + buf.toString('latin1');
      for (let at = text.indexOf(OK); at !== -1; at = text.indexOf(OK, at + OK.length)) ok200++;
      carry = text.slice(-(OK.length - 1));
    });
  }
  let stderrTail = '';
  /** @type {import('node:stream').Readable} */ (child.stderr).on('data', (d) => { stderrTail = (stderrTail + d).slice(-4096); });

  // The root is /usr/bin/time (or bash): only its descendants are the measured command.
  const sampler = sampleTreeRss(pid, { everyMs: sampleMs, includeRoot: false, fds });
  setTimeout(sampler.sample, 5); // catch very short runs too

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(pid, 'SIGTERM');
    setTimeout(() => killGroup(pid, 'SIGKILL'), 2000).unref();
  }, timeoutMs);

  return new Promise((resolve, reject) => {
    let wallMs = 0;
    /** @type {number | null} */
    let exitCode = null;
    /** @type {NodeJS.Signals | null} */
    let signal = null;
    child.once('error', (e) => { sampler.stop(); clearTimeout(timer); reject(e); });
    child.once('exit', (code, sig) => {
      wallMs = performance.now() - t0;
      exitCode = code; signal = sig;
      sampler.stop();
      clearTimeout(timer);
      killGroup(pid, 'SIGKILL'); // stragglers left in the group
      liveGroups.delete(pid);
    });
    child.once('close', () => {
      let cpuMs = NaN, userMs = NaN, sysMs = NaN, timeMaxRssKiB = NaN;
      try {
        const t = fs.readFileSync(timesFile, 'utf8').trim().split('\n');
        if (tb) {
          // /usr/bin/time may prepend "Command exited with non-zero status N"
          const last = (t.at(-1) ?? '').trim().split(/\s+/).map(Number);
          userMs = Number(last[1]) * 1000; sysMs = Number(last[2]) * 1000; timeMaxRssKiB = Number(last[3]);
        } else {
          const [u, s] = (t[1] ?? '').trim().split(/\s+/);
          userMs = parseClock(u); sysMs = parseClock(s);
        }
        cpuMs = userMs + sysMs;
      } catch { /* killed before it could report */ }
      fs.rmSync(tmp, { recursive: true, force: true });
      // ru_maxrss from /usr/bin/time is the exact peak of the largest single descendant; the
      // /proc sampling can miss short peaks, so take the larger of the two.
      let peakMax = sampler.peakProcessKiB;
      let peakTree = sampler.peakKiB;
      if (Number.isFinite(timeMaxRssKiB) && timeMaxRssKiB > peakMax) peakMax = timeMaxRssKiB;
      if (peakTree < peakMax) peakTree = peakMax;
      // exit code of the measured command as reported through /usr/bin/time
      resolve({
        wallMs, cpuMs, userMs, sysMs,
        peakRssMaxProcKiB: peakMax, peakRssTreeKiB: peakTree, peakProcs: sampler.peakProcs, peakFdsMaxProc: sampler.peakProcessFds,
        timeMaxRssKiB,
        stdoutLines: stdout === 'count' || stdout === 'status' ? lines : null,
        stdoutOk: stdout === 'status' ? ok200 : null,
        stdout: stdout === 'capture' ? captured : undefined,
        exitCode, signal, timedOut, stderrTail,
      });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const [cmd, ...args] = process.argv.slice(2);
  console.log(await measure(cmd || 'sh', cmd ? args : ['-c', 'seq 1 100000; head -c 50000000 /dev/zero | (sleep 0.3; cat) >/dev/null'], { timeoutMs: 10_000 }));
}
