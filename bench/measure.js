// Run one command and measure it:
//   wallMs            - spawn -> exit (hrtime)
//   cpuMs             - user+sys of the whole process tree (via /usr/bin/time, which reports the
//                       rusage of the command and all its waited-for descendants; fallback: bash `times`)
//   peakRssMaxProcKiB - peak RSS of the largest single process in the tree (sampled from /proc)
//   peakRssTreeKiB    - peak of the summed RSS of all processes in the tree (sampled from /proc)
//   stdoutLines       - newline count of stdout (when stdout: 'count')
// The command runs in its own process group; on timeout the whole group is killed, and any
// stragglers in the group are killed after it exits too.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PAGE_KIB = (() => {
  const r = spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' });
  return (Number(r.stdout) || 4096) / 1024;
})();

let timeBin;
function findTimeBin() {
  if (timeBin !== undefined) return timeBin;
  if (!fs.existsSync('/usr/bin/time')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['install', '-y', 'time'], { stdio: 'ignore', env });
  }
  timeBin = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  return timeBin;
}

/** One /proc scan: Map pid -> {ppid, rssKiB}. */
function scanProc() {
  const out = new Map();
  let names;
  try { names = fs.readdirSync('/proc'); } catch { return out; }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let s;
    try { s = fs.readFileSync(`/proc/${name}/stat`, 'latin1'); } catch { continue; }
    const rp = s.lastIndexOf(')');
    // fields after ")": state(3) ppid(4) pgrp(5) ... rss(24)  -> index 0 == field 3
    const f = s.slice(rp + 2).split(' ');
    out.set(Number(name), { ppid: Number(f[1]), rssKiB: Number(f[21]) * PAGE_KIB });
  }
  return out;
}

/** RSS of the descendants of rootPid (optionally excluding the root itself). */
function treeRss(rootPid, includeRoot) {
  const procs = scanProc();
  const kids = new Map();
  for (const [pid, p] of procs) {
    let a = kids.get(p.ppid);
    if (!a) kids.set(p.ppid, (a = []));
    a.push(pid);
  }
  let total = 0, max = 0, count = 0;
  const stack = includeRoot ? [rootPid] : [...(kids.get(rootPid) || [])];
  while (stack.length) {
    const pid = stack.pop();
    const p = procs.get(pid);
    if (p) { total += p.rssKiB; if (p.rssKiB > max) max = p.rssKiB; count++; }
    const k = kids.get(pid);
    if (k) stack.push(...k);
  }
  return { total, max, count };
}

// process groups still running; killed if the orchestrator exits (incl. via SIGINT/SIGTERM
// handlers that call process.exit, as nginx.js and run.js install)
const liveGroups = new Set();
process.on('exit', () => { for (const g of liveGroups) { try { process.kill(-g, 'SIGKILL'); } catch {} } });

function parseClock(s) { // bash `times`: 1m2.345s
  const m = /(\d+)m([\d.]+)s/.exec(s);
  return m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : NaN;
}

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {{timeoutMs?:number, stdin?:string|null, stdout?:'count'|'null'|'capture',
 *          env?:object, cwd?:string, sampleMs?:number}} opts  stdin: file path or null (= /dev/null)
 */
export function measure(cmd, args = [], opts = {}) {
  const { timeoutMs = 120_000, stdin = null, stdout = 'count', env, cwd, sampleMs = 50 } = opts;
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
  if (child.pid) liveGroups.add(child.pid);
  if (nullOut !== null) fs.closeSync(nullOut);

  let lines = 0;
  let captured = '';
  if (child.stdout) {
    child.stdout.on('data', (buf) => {
      if (stdout === 'capture') { captured += buf.toString('utf8'); return; }
      let i = -1;
      while ((i = buf.indexOf(10, i + 1)) !== -1) lines++;
    });
  }
  let stderrTail = '';
  child.stderr.on('data', (d) => { stderrTail = (stderrTail + d).slice(-4096); });

  let peakMax = 0, peakTree = 0, peakProcs = 0;
  const sample = () => {
    const r = treeRss(child.pid, false);
    if (r.max > peakMax) peakMax = r.max;
    if (r.total > peakTree) peakTree = r.total;
    if (r.count > peakProcs) peakProcs = r.count;
  };
  const sampler = setInterval(sample, sampleMs);
  setTimeout(sample, 5); // catch very short runs too

  let timedOut = false;
  const killGroup = (sig) => { try { process.kill(-child.pid, sig); } catch {} };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup('SIGTERM');
    setTimeout(() => killGroup('SIGKILL'), 2000).unref();
  }, timeoutMs);

  return new Promise((resolve, reject) => {
    let wallMs = 0, exitCode = null, signal = null;
    child.once('error', (e) => { clearInterval(sampler); clearTimeout(timer); reject(e); });
    child.once('exit', (code, sig) => {
      wallMs = performance.now() - t0;
      exitCode = code; signal = sig;
      clearInterval(sampler);
      clearTimeout(timer);
      killGroup('SIGKILL'); // stragglers left in the group
      liveGroups.delete(child.pid);
    });
    child.once('close', () => {
      let cpuMs = NaN, userMs = NaN, sysMs = NaN, timeMaxRssKiB = NaN;
      try {
        const t = fs.readFileSync(timesFile, 'utf8').trim().split('\n');
        if (tb) {
          // /usr/bin/time may prepend "Command exited with non-zero status N"
          const last = t[t.length - 1].trim().split(/\s+/).map(Number);
          userMs = last[1] * 1000; sysMs = last[2] * 1000; timeMaxRssKiB = last[3];
        } else {
          const [u, s] = t[1].trim().split(/\s+/);
          userMs = parseClock(u); sysMs = parseClock(s);
        }
        cpuMs = userMs + sysMs;
      } catch { /* killed before it could report */ }
      fs.rmSync(tmp, { recursive: true, force: true });
      // ru_maxrss from /usr/bin/time is the exact peak of the largest single descendant; the
      // /proc sampling can miss short peaks, so take the larger of the two.
      if (Number.isFinite(timeMaxRssKiB) && timeMaxRssKiB > peakMax) peakMax = timeMaxRssKiB;
      if (peakTree < peakMax) peakTree = peakMax;
      // exit code of the measured command as reported through /usr/bin/time
      resolve({
        wallMs, cpuMs, userMs, sysMs,
        peakRssMaxProcKiB: peakMax, peakRssTreeKiB: peakTree, peakProcs,
        timeMaxRssKiB, // ru_maxrss of the largest descendant, from /usr/bin/time
        stdoutLines: stdout === 'count' ? lines : null,
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
