// A record that kills its child: the server SIGKILLs the CLI's child process
// whenever that record's request arrives (as an OOM on its response would).
// With --procs 1 the only child is the one handling it.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, cleanupAfterEach, collectOutput, processTree, spawnCli, startHttpServer, tempDir, writeTempFile } from '../helpers/index.js';
import { pidSpaceTag } from '../../src/output/running-process.js';
import { waitFor } from './support.js';

const track = cleanupAfterEach();

describe('child crash recovery', () => {
  it("makes the children, not the parent, the out-of-memory killer's first victims", async () => {
    // Under a container's memory limit the kernel took the parent once a child had died: exit 137, no summary.
    const server = track(await startHttpServer(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 3_000));
      res.end('ok');
    }));
    const child = spawnCli([writeTempFile([`${server.url}/a`, `${server.url}/b`]), '--procs', '2', '-q']);
    const done = collectOutput(child);
    const cliPid = child.pid as number;
    const adjOf = (pid: number): number => {
      try {
        return Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8'));
      } catch {
        return Number.NaN; // gone since it was listed
      }
    };
    const parent = adjOf(cliPid);
    // Each child raises its own as its code starts (a spare forked a moment ago has not yet).
    const children = (): number[] => processTree(cliPid).map(adjOf).filter((adj) => !Number.isNaN(adj));
    await waitFor(() => children().length >= 1 && children().every((adj) => adj >= Math.min(1000, parent + 500)), 10_000);
    expect((await done).code).toBe(0);
  });

  it('re-runs what a dead child held: innocents succeed once each, only the killer becomes ECHILDCRASH', async () => {
    let cliPid = 0;
    let kills = 0;
    const server = track(await startHttpServer(async (req, res, ctx) => {
      if (req.url === '/killer') {
        kills += 1;
        for (const pid of processTree(cliPid)) process.kill(pid, 'SIGKILL');
        return;
      }
      if (await ctx.delay(150)) res.end(JSON.stringify({ path: req.url }));
    }));
    const n = 60;
    const killerLine = 7;
    const lines = Array.from({ length: n }, (_, i) => (i + 1 === killerLine ? `${server.url}/killer` : `${server.url}/r${i + 1}`));
    const child = spawnCli([writeTempFile(lines), '--procs', '1', '--concurrency', '20']);
    cliPid = child.pid as number;
    const result = await collectOutput(child);
    expect(result.code).toBe(0);
    expect(result.nonJson).toEqual([]);
    expect(result.lines.map((l) => l.line).sort((a, b) => a - b)).toEqual(lines.map((_, i) => i + 1));
    const killer = result.lines.find((l) => l.line === killerLine);
    expect(killer?.error?.code).toBe('ECHILDCRASH');
    const innocents = result.lines.filter((l) => l.line !== killerLine);
    expect(innocents.filter((l) => l.status !== 200)).toEqual([]);
    // Bisection: the window's records take about log2(window) crashes to isolate, then two solo crashes.
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(kills).toBeLessThanOrEqual(12);
  });
});

describe('a crash mid --save', () => {
  it('leaves no partial file of the dead child behind; the record is saved whole by the next', async () => {
    let cliPid = 0;
    let arrivals = 0;
    const server = track(await startHttpServer(async (_req, res, ctx) => {
      if (++arrivals > 1) return void res.end('whole');
      // Half a body, then the child dies while it waits for the rest.
      res.writeHead(200, { 'content-length': String(200_000) });
      res.write(Buffer.alloc(100_000, 0x61));
      if (!(await ctx.delay(300))) return;
      for (const pid of processTree(cliPid)) process.kill(pid, 'SIGKILL');
    }));
    const dir = join(tempDir(), 'saved');
    mkdirSync(dir);
    const child = spawnCli([writeTempFile([`${server.url}/big`]), '--procs', '1', '--save', dir, '-q']);
    cliPid = child.pid as number;
    const result = await collectOutput(child);
    expect(result.lines).toMatchObject([{ status: 200, bytes: 5, error: null }]);
    expect(readdirSync(dir)).toEqual([basename(result.lines[0]?.file as string)]);
  });
});

describe('bulkfetch itself killed mid --save', () => {
  it('leaves no partial files for good: its children remove theirs as they exit, and the next run with --save those of pids gone', async () => {
    let cliPid = 0;
    let children: number[] = [];
    let halfBodies = true;
    const server = track(await startHttpServer(async (req, res, ctx) => {
      if (!halfBodies) return void res.end(`whole ${req.url}`);
      // Half a body; then bulkfetch, and only it, is killed outright while its children wait for the rest.
      res.writeHead(200, { 'content-length': String(200_000) });
      res.write(Buffer.alloc(100_000, 0x61));
      if (!(await ctx.delay(300)) || children.length > 0) return;
      children = processTree(cliPid).filter((pid) => pid !== cliPid);
      process.kill(cliPid, 'SIGKILL');
    }));
    const dir = join(tempDir(), 'saved');
    mkdirSync(dir);
    const input = writeTempFile([`${server.url}/a`, `${server.url}/b`, `${server.url}/c`]);
    const child = spawnCli([input, '--procs', '1', '--save', dir, '-q']);
    cliPid = child.pid as number;
    await collectOutput(child);
    const gone = (pid: number) => { try { process.kill(pid, 0); return false; } catch { return true; } };
    await waitFor(() => children.length > 0 && children.every(gone), 10_000);
    // A partial file of a process long gone, as a child killed with its parent leaves it.
    writeFileSync(join(dir, `.x.4194399-${pidSpaceTag()}.1.part`), 'half');
    // One a run in another container writes to the same volume (its pid means nothing here), and a user's
    // file that only looks like a partial: not this run's to remove.
    const others = ['.x.4194399-0badf00d.1.part', '.notes.2024.1.part'];
    for (const name of others) writeFileSync(join(dir, name), 'theirs');
    halfBodies = false;
    const again = await collectOutput(spawnCli([input, '--procs', '1', '--save', dir, '-q']));
    expect(again.lines.map((l) => l.status)).toEqual([200, 200, 200]);
    expect(readdirSync(dir).filter((name) => name.endsWith('.part')).sort()).toEqual(others.sort());
    expect(readdirSync(dir)).toHaveLength(5);
  });
});

describe('a crash never sends a request twice that must not be', () => {
  /** Line 1 kills the CLI's children once the three POSTs beside it are at the server, while the rest are queued. */
  async function postRun(extra: string[]) {
    let cliPid = 0;
    let kills = 0;
    const arrivals = new Map<string, number>();
    const server = track(await startHttpServer(async (req, res, ctx) => {
      arrivals.set(`${req.method} ${req.url}`, (arrivals.get(`${req.method} ${req.url}`) ?? 0) + 1);
      if (req.url === '/killer') {
        // Once the three POSTs beside it have come, not a fixed 200 ms: a child a loaded machine ran late had not
        // yet sent the third, which was then a queued one, sent again and answered. A killer sent again waits 200 ms.
        const beside = ['POST /p2', 'POST /p3', 'POST /p4'];
        if (kills > 0 && !(await ctx.delay(200))) return;
        for (const deadline = Date.now() + 5_000; !beside.every((post) => arrivals.has(post)) && Date.now() < deadline;) {
          if (!(await ctx.delay(10))) return;
        }
        kills += 1;
        for (const pid of processTree(cliPid)) process.kill(pid, 'SIGKILL');
        return;
      }
      if (await ctx.delay(600)) res.end(JSON.stringify({ path: req.url }));
    }));
    const posts = Array.from({ length: 8 }, (_, i) => JSON.stringify({ url: `${server.url}/p${i + 2}`, method: 'POST', body: 'x' }));
    const child = spawnCli([writeTempFile([`${server.url}/killer`, ...posts]), '--procs', '1', '--concurrency', '4', ...extra]);
    cliPid = child.pid as number;
    const result = await collectOutput(child);
    return { result, arrivals, kills: () => kills };
  }

  it('answers a POST in flight at the crash with ECHILDCRASH and sends no POST twice; queued ones are sent once', async () => {
    const { result, arrivals, kills } = await postRun([]);
    expect(result.code).toBe(0);
    const posts = result.lines.filter((l) => l.line > 1).sort((a, b) => a.line - b.line);
    expect(posts).toHaveLength(8);
    for (let i = 2; i <= 9; i++) expect(arrivals.get(`POST /p${i}`), `POST /p${i}`).toBe(1);
    // The three sent beside the killer may have reached the server: never re-sent.
    // Their attempts say so too: 0 is the mark of a record nothing of which went out (ENOTSENT).
    for (const line of posts.slice(0, 3)) expect(line).toMatchObject({ attempts: 1, error: { code: 'ECHILDCRASH', message: expect.stringMatching(/may have been sent/) } });
    // Each POST was either answered or failed as possibly sent, and the queued ones got through at least in part.
    expect(posts.filter((l) => l.status === 200).length).toBeGreaterThan(0);
    for (const line of posts) expect(line.status === 200 || line.error?.code === 'ECHILDCRASH').toBe(true);
    // One report a crash on stderr; the first SIGKILL's says what most often sends one, once.
    expect(result.stderr.match(/child 0 died/g)?.length).toBe(kills());
    expect(result.stderr.match(/a SIGKILL is most often the out-of-memory killer: under a memory limit give fewer --procs/g)?.length).toBe(1);
    // The summary counts the POSTs the lines say went out, crashed ones among them.
    const sent = result.lines.reduce((sum, line) => sum + (line.line > 1 ? line.attempts : 0), 0);
    const requests = Number(/requests +(\d+) HTTP request/.exec(result.stderr)?.[1]);
    expect(requests).toBeGreaterThanOrEqual(sent);
  });

  it('re-sends them with --retry-all-methods, and -q prints no crash report', async () => {
    const { result, arrivals } = await postRun(['--retry-all-methods', '-q']);
    const posts = result.lines.filter((l) => l.line > 1);
    expect(posts.map((l) => l.status)).toEqual(Array(8).fill(200));
    expect(arrivals.get('POST /p2')).toBeGreaterThan(1);
    expect(result.stderr).toBe('');
  });
});

describe('what a dead child answered is counted', () => {
  it('in the summary and by --fail, as if it had reported: its last tally plus the lines after it', async () => {
    let cliPid = 0;
    let kills = 0;
    // 600 quick records (every 10th a 404), then one that kills the child once, 300 ms after it
    // arrives (the lines before it are on the parent's side by then), then slower ones.
    const server = track(await startHttpServer(async (req, res, ctx) => {
      if (req.url === '/killer' && kills === 0) {
        if (!(await ctx.delay(300))) return;
        kills += 1;
        for (const pid of processTree(cliPid)) process.kill(pid, 'SIGKILL');
        return;
      }
      if (req.url?.startsWith('/slow') && !(await ctx.delay(100))) return;
      res.statusCode = req.url?.endsWith('0') && req.url.startsWith('/q') ? 404 : 200;
      res.end('x');
    }));
    const lines = [
      ...Array.from({ length: 600 }, (_, i) => `${server.url}/q${i + 1}`),
      `${server.url}/killer`,
      ...Array.from({ length: 40 }, (_, i) => `${server.url}/slow${i}`),
    ];
    const summaryPath = join(tempDir(), 'summary.json');
    const child = spawnCli([writeTempFile(lines), '--procs', '1', '--concurrency', '8', '-f', '--summary', summaryPath]);
    cliPid = child.pid as number;
    const result = await collectOutput(child);
    expect(kills).toBe(1);
    expect(result.stderr).toMatch(/child 0 died/);
    expect(result.lines).toHaveLength(641);
    expect(result.lines.filter((l) => l.status === 404)).toHaveLength(60);
    // The 404s were all answered by the child that died: without its counts --fail saw none.
    expect(result.code).toBe(1);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
    expect(summary).toMatchObject({ records: 641, errors: 0, status: { 200: 581, 404: 60 } });
    expect(result.stderr).toMatch(/records +641 = 641 sent/);
    expect(result.stderr).toMatch(/error hosts .* 60 /);
  });
});

describe('a child that cannot be started', () => {
  interface Answered { line: number; status: number | null; attempts: number; error: { code: string; message: string } | null }

  /**
   * A run of 20 records at --procs 2 from a copy of node that `breakForks` changes once the parent is up (and its
   * spare child forked): the child forked first takes the spare and runs, the other is forked from what it left.
   */
  async function runWithForksBroken(breakForks: (node: string) => void): Promise<{ lines: string[]; output: string; answered: Answered[]; notSent: Answered[]; stderr: string }> {
    const server = track(await startHttpServer());
    const dir = tempDir();
    const node = join(dir, 'node');
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
    const fifo = join(dir, 'urls.fifo');
    execFileSync('mkfifo', [fifo]);
    const output = join(dir, 'out.ndjson');
    const lines = Array.from({ length: 20 }, (_, i) => `${server.url}/r${i}`);
    const child = spawn(node, [CLI_PATH, fifo, '--procs', '2', '-o', output, '--resume'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    track({ close: async () => void (child.exitCode === null && child.kill('SIGKILL')) });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    // The spare child is forked as the parent starts, before it opens the FIFO. Waited for until it runs the
    // child's code: forked but not yet exec'd, it was started from the binary changed under it (on a loaded machine).
    const spareRuns = (): boolean => processTree(child.pid as number).some((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('main.cjs');
      } catch {
        return false;
      }
    });
    await waitFor(spareRuns, 10_000);
    breakForks(node);
    writeFileSync(fifo, lines.map((line) => `${line}\n`).join(''));
    expect(await exited).toBe(0);
    const answered = readFileSync(output, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Answered);
    expect(answered.map((line) => line.line).sort((a, b) => a - b)).toEqual(lines.map((_, i) => i + 1));
    const notSent = answered.filter((line) => line.error !== null);
    expect(notSent.length).toBeGreaterThan(0);
    expect(notSent.length).toBeLessThan(lines.length);
    expect(stderr).not.toContain('died');
    return { lines, output, answered, notSent, stderr };
  }

  it('blames none of its records: they wait for a new fork, then are ENOTSENT, which --resume sends', async () => {
    // The copy removed: forks fail (spawn ENOENT), as they fail with EAGAIN at the limit on processes (ulimit -u),
    // where every record was blamed in turn, ECHILDCRASH.
    const { lines, output, notSent, stderr } = await runWithForksBroken((node) => unlinkSync(node));
    for (const line of notSent) expect([line.attempts, line.error?.code, line.error?.message]).toEqual([0, 'ENOTSENT', expect.stringMatching(/^Not sent: no child process could be started to send it/)]);
    // Which child is forked first (and takes the spare) is the first record's, by its hash: the other one fails.
    expect(stderr).toMatch(/^bulkfetch: child [01] could not be started \(ENOENT\) with \d+ records? for it; trying again for about 3 s$/m);
    expect(stderr).toMatch(/^bulkfetch: child [01] could not be started \(ENOENT\) with \d+ records? for it; they are answered ENOTSENT/m);
    // --resume, with a node that can fork: the lines not sent are dropped, and their records sent.
    const resumed = await collectOutput(spawnCli([writeTempFile(lines), '--procs', '2', '-o', output, '--resume', '-q']));
    expect(resumed.code).toBe(0);
    const after = readFileSync(output, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { line: number; status: number | null });
    expect(after.map((line) => [line.line, line.status]).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual(lines.map((_, i) => [i + 1, 200]));
  });

  it('a child that ends before its code runs (Node aborting as it starts, under ulimit -u) blames none of its records either', async () => {
    // The forks succeed, and what they run aborts before any JavaScript, as Node does when it cannot create its
    // threads: each record was put through crash triage, ECHILDCRASH, with a report each.
    const { notSent, stderr } = await runWithForksBroken((node) => {
      unlinkSync(node);
      writeFileSync(node, '#!/bin/sh\nkill -ABRT $$\n', { mode: 0o755 });
    });
    for (const line of notSent) expect([line.attempts, line.error?.code]).toEqual([0, 'ENOTSENT']);
    expect(stderr).toMatch(/^bulkfetch: child [01] could not be started \(signal SIGABRT, as it started\) with \d+ records? for it; trying again for about 3 s$/m);
    expect(stderr).toMatch(/^bulkfetch: child [01] could not be started \(signal SIGABRT, as it started\) with \d+ records? for it; they are answered ENOTSENT/m);
  });
});
