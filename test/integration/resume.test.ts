// -o FILE --resume after SIGKILLs of the whole process tree: exactly one line per record at the end.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  cleanupAfterEach,
  collectOutput,
  killGroup,
  parseJsonLines,
  runCli,
  spawnCli,
  startHttpServer,
  tempDir,
  writeTempFile,
} from '../helpers/index.js';
import { slowServer, waitFor, waitForOutputLock } from './support.js';

const track = cleanupAfterEach();

const sizeOf = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

/** Record line numbers in FILE; every line must be whole JSON. */
function outputLines(path: string): number[] {
  const { lines, nonJson } = parseJsonLines(readFileSync(path, 'utf8'));
  expect(nonJson).toEqual([]);
  return lines.map((l) => l.line as number);
}

describe('--resume', () => {
  it('after several SIGKILLs of the whole tree, a final run leaves exactly one line per record', async () => {
    const server = track(await slowServer(40));
    const n = 1500;
    // Blank and comment lines count for line numbers but have no output line.
    const records = Array.from({ length: n }, (_, i) => (i % 100 === 50 ? '# comment' : `${server.url}/r${i + 1}`));
    const input = writeTempFile(records);
    const output = join(tempDir(), 'out.ndjson');
    const args = [input, '-o', output, '--resume', '--procs', '2', '--concurrency', '10'];
    let kills = 0;
    for (let round = 0; round < 3; round++) {
      const before = sizeOf(output);
      const child = spawnCli(args);
      const exited = collectOutput(child);
      await waitFor(() => sizeOf(output) > before);
      await new Promise((r) => setTimeout(r, 150 + round * 100));
      killGroup(child.pid as number, 'SIGKILL');
      const killed = await exited;
      if (killed.signal === 'SIGKILL') kills += 1;
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    const lengthBeforeFinal = outputLines(output).length;
    expect(lengthBeforeFinal).toBeLessThan(n);
    const final = await runCli(args, { timeoutMs: 60_000 });
    expect(final.code).toBe(0);
    const seen = outputLines(output);
    const expected = records.flatMap((text, i) => (text.startsWith('#') ? [] : [i + 1]));
    expect(seen.length).toBe(new Set(seen).size);
    expect(seen.sort((a, b) => a - b)).toEqual(expected);
    // Nothing already written was fetched again by the final run.
    expect(final.stdout).toBe('');
  }, 120_000);

  it('a second run on the same -o (or a symlink to it) while the first writes it is refused; a lock left by a run killed outright is taken over', async () => {
    const server = track(await slowServer(100));
    const input = writeTempFile(Array.from({ length: 200 }, (_, i) => `${server.url}/r${i + 1}`));
    const dir = tempDir();
    const output = join(dir, 'out.ndjson');
    const link = join(dir, 'link.ndjson');
    symlinkSync(output, link);
    // 20 s of work for the first run, which is killed: at 10 in flight (2 s) it ended before a loaded machine had
    // started the three runs it must refuse.
    const args = [input, '-o', output, '--resume', '--procs', '1', '--concurrency', '1', '-q'];
    const first = spawnCli(args);
    const firstDone = collectOutput(first);
    await waitFor(() => sizeOf(output) > 0);
    // Two resumes at once each took the same lines as done and sent the rest: every record twice.
    for (const second of [args, [input, '-o', output, '-q'], [input, '-o', link, '--resume', '-q']]) {
      const refused = await runCli(second);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(new RegExp(`^bulkfetch: Cannot write output ".*out\\.ndjson": another bulkfetch \\(pid ${first.pid}\\) is writing it; wait for it to end`));
    }
    killGroup(first.pid as number, 'SIGKILL');
    await firstDone;
    expect(existsSync(`${output}.lock`)).toBe(true);
    // Its pid reused by another process (a reboot, a container's restart): that process holds no lock. It was taken
    // for the holder, and every later run refused until a person deleted the lock.
    const lock = readFileSync(`${output}.lock`, 'utf8');
    expect(lock).toMatch(new RegExp(`^${first.pid} \\S+\n$`));
    writeFileSync(`${output}.lock`, lock.replace(/^\d+/, String(process.pid)));
    // Resumed through the link: the rewrite replaces the file it points to, and the link stays a link.
    const final = await runCli([input, '-o', link, '--resume', '--procs', '1', '--concurrency', '10', '-q'], { timeoutMs: 60_000 });
    expect(final.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    const seen = outputLines(output);
    expect([seen.length, new Set(seen).size]).toEqual([200, 200]);
    expect(existsSync(`${output}.lock`)).toBe(false);
  }, 90_000);

  it('runs started together on a lock left by a run killed outright: one takes it over, the others are refused', async () => {
    // Each judged the lock stale, removed it and made its own, one removing another's: two to four of eight
    // wrote the file, every record two to four times.
    const server = track(await slowServer(30));
    const input = writeTempFile(Array.from({ length: 150 }, (_, i) => `${server.url}/r${i + 1}`));
    const output = join(tempDir(), 'out.ndjson');
    const args = [input, '-o', output, '--resume', '--procs', '1', '--concurrency', '10', '-q'];
    const first = spawnCli(args);
    const firstDone = collectOutput(first);
    await waitFor(() => sizeOf(output) > 0);
    killGroup(first.pid as number, 'SIGKILL');
    await firstDone;
    expect(existsSync(`${output}.lock`)).toBe(true);
    const runs = await Promise.all(Array.from({ length: 8 }, () => runCli(args, { timeoutMs: 60_000 })));
    const codes = runs.map((run) => run.code).sort();
    expect(codes).toEqual([0, 2, 2, 2, 2, 2, 2, 2]);
    for (const run of runs.filter((each) => each.code === 2)) expect(run.stderr).toMatch(/^bulkfetch: Cannot write output ".*out\.ndjson": another (bulkfetch \(pid \d+\) is writing it|run is taking over its lock)/);
    const seen = outputLines(output);
    expect([seen.length, new Set(seen).size]).toEqual([150, 150]);
    expect(existsSync(`${output}.lock`) || existsSync(`${output}.lock.takeover`)).toBe(false);
  }, 90_000);

  it('a lock another run has just made, its pid not yet written, is waited for, not taken over; a directory in its place is said to be one', async () => {
    const server = track(await startHttpServer());
    const dir = tempDir();
    const output = join(dir, 'out.ndjson');
    // What another run's lock is between its exclusive create and its write: empty, then this (live) process's pid.
    writeFileSync(`${output}.lock`, '');
    const fill = setTimeout(() => writeFileSync(`${output}.lock`, `${process.pid}\n`), 600);
    const second = await runCli([`${server.url}/a`, '-o', output, '-q']);
    clearTimeout(fill);
    // It was judged stale, removed, and the file written by both runs.
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`^bulkfetch: Cannot write output ".*out\\.ndjson": another bulkfetch \\(pid ${process.pid}\\) is writing it`));
    expect(server.requests).toBe(0);
    // An empty lock dated in the future (a clock set back, another machine's on NFS) was waited for without end.
    writeFileSync(`${output}.lock`, '');
    const hour = Date.now() / 1000 + 3600;
    utimesSync(`${output}.lock`, hour, hour);
    const future = await runCli([`${server.url}/a`, '-o', output, '-q'], { timeoutMs: 15_000 });
    expect(future.code).toBe(0);
    expect(server.requests).toBe(1);
    mkdirSync(`${output}.lock`);
    const directory = await runCli([`${server.url}/a`, '-o', output, '-q']);
    expect([directory.code, directory.stderr]).toEqual([2, `bulkfetch: Cannot write output ${JSON.stringify(output)}: ${JSON.stringify(`${output}.lock`)}, where its lock goes, is a directory: remove it, or give -o another file\n`]);
  });

  it("-o FILE emptied under the run (logrotate's copytruncate) goes on from its start: no hole of NULs before the next line", async () => {
    const server = track(await slowServer(20));
    const input = writeTempFile(Array.from({ length: 300 }, (_, i) => `${server.url}/r${i + 1}`));
    const output = join(tempDir(), 'out.ndjson');
    const run = spawnCli([input, '-o', output, '--procs', '1', '--concurrency', '5', '-q']);
    const done = collectOutput(run);
    await waitFor(() => sizeOf(output) > 5_000);
    execFileSync('truncate', ['-s', '0', output]);
    expect((await done).code).toBe(0);
    const text = readFileSync(output, 'utf8');
    expect(text.startsWith('{"line":')).toBe(true);
    expect(parseJsonLines(text).nonJson).toEqual([]);
  });

  it('-o through a symlink to a file not made yet: the lock and the fingerprint go beside that file, so a second run is refused and --resume continues', async () => {
    const server = track(await slowServer(100));
    const input = writeTempFile(Array.from({ length: 200 }, (_, i) => `${server.url}/r${i + 1}`));
    const dir = tempDir();
    mkdirSync(join(dir, 'real'));
    const output = join(dir, 'real', 'out.ndjson');
    const link = join(dir, 'link.ndjson');
    symlinkSync(join('real', 'out.ndjson'), link);
    // 20 s of work for the first run, which is killed: at 10 in flight (2 s) it could end, and let its lock go,
    // before a loaded machine had started the two runs it must refuse (as the test above once did).
    const first = spawnCli([input, '-o', link, '--procs', '1', '--concurrency', '1', '-q']);
    const firstDone = collectOutput(first);
    await waitFor(() => sizeOf(output) > 0);
    expect([existsSync(`${output}.lock`), existsSync(`${output}.resume.json`), existsSync(`${link}.lock`)]).toEqual([true, true, false]);
    for (const second of [[input, '-o', output, '-q'], [input, '-o', link, '-q']]) {
      const refused = await runCli(second);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/another bulkfetch \(pid \d+\) is writing it/);
    }
    killGroup(first.pid as number, 'SIGKILL');
    await firstDone;
    const final = await runCli([input, '-o', link, '--resume', '--procs', '1', '--concurrency', '20', '-q'], { timeoutMs: 60_000 });
    expect([final.code, final.stderr]).toEqual([0, '']);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    const seen = outputLines(output);
    expect([seen.length, new Set(seen).size]).toEqual([200, 200]);
  }, 90_000);

  it('continues a run started without --resume and killed outright; a run that ends leaves no fingerprint behind', async () => {
    const server = track(await slowServer(40));
    const n = 600;
    const input = writeTempFile(Array.from({ length: n }, (_, i) => `${server.url}/r${i + 1}`));
    const output = join(tempDir(), 'out.ndjson');
    const child = spawnCli([input, '-o', output, '--procs', '2', '--concurrency', '10']);
    const exited = collectOutput(child);
    await waitFor(() => sizeOf(output) > 0);
    // SIGKILL gives the run no chance to say how to continue: the fingerprint must be there already.
    expect(existsSync(`${output}.resume.json`)).toBe(true);
    killGroup(child.pid as number, 'SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    const before = outputLines(output).length;
    expect(before).toBeLessThan(n);
    const resumed = await runCli([input, '-o', output, '--procs', '2', '--concurrency', '10', '--resume'], { timeoutMs: 60_000 });
    expect(resumed.code).toBe(0);
    const seen = outputLines(output);
    expect(seen.length).toBe(n);
    expect(new Set(seen).size).toBe(n);
    expect(server.requests).toBeLessThan(n + 20 + 10);

    // Without --resume, a run that read all its input removes the fingerprint it wrote.
    const complete = join(tempDir(), 'complete.ndjson');
    expect((await runCli([writeTempFile([`${server.url}/one`]), '-o', complete])).code).toBe(0);
    expect(outputLines(complete)).toEqual([1]);
    expect(existsSync(`${complete}.resume.json`)).toBe(false);
  }, 90_000);

  it('-o FILE --resume where FILE cannot be written is the usage error it is without --resume: exit 2, naming FILE and the directory to make, nothing sent', async () => {
    const server = track(await startHttpServer());
    const output = join(tempDir(), 'missing', 'out.ndjson');
    for (const args of [[], ['--resume']]) {
      const result = await runCli([`${server.url}/a`, '-o', output, ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`bulkfetch: Cannot write output ${JSON.stringify(output)}: ENOENT: no such directory (mkdir -p ${JSON.stringify(dirname(output))} first)\n`);
    }
    // A loop of symlinks said a bare ELOOP.
    const loop = join(tempDir(), 'loop-a');
    symlinkSync(`${loop}-b`, loop);
    symlinkSync(loop, `${loop}-b`);
    const looped = await runCli([`${server.url}/a`, '-o', loop]);
    expect([looped.code, looped.stderr]).toEqual([2, `bulkfetch: Cannot write output ${JSON.stringify(loop)}: ELOOP: a symlink that leads back to itself (ls -l it)\n`]);
    // --summary through one passed the check before the run, and failed after it (exit 1); an input through one said a bare ELOOP.
    const summary = await runCli([`${server.url}/a`, '-o', join(tempDir(), 'out.ndjson'), '--summary', loop]);
    expect([summary.code, summary.stderr]).toEqual([2, `bulkfetch: Cannot write --summary ${JSON.stringify(loop)}: ELOOP: a symlink that leads back to itself (ls -l it)\n`]);
    const input = await runCli([loop]);
    expect([input.code, input.stderr]).toEqual([2, `bulkfetch: Cannot read input ${JSON.stringify(loop)}: ELOOP: a symlink that leads back to itself (ls -l it)\n`]);
    expect(server.requests).toBe(0);
  });

  it('-o FILE --resume whose fingerprint cannot be written beside FILE is a usage error naming what --resume needs, not exit 1', async () => {
    const server = track(await startHttpServer());
    const dir = tempDir();
    const output = join(dir, 'out.ndjson');
    // A name the fingerprint cannot take (a folder holds it), as a folder that takes no new file (chattr +i) or /proc.
    mkdirSync(join(dir, 'out.ndjson.resume.json'));
    const result = await runCli([`${server.url}/a`, '-o', output, '--resume']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^bulkfetch: Cannot resume with -o ".*out\.ndjson": --resume keeps the input's fingerprint beside it, in ".*out\.ndjson\.resume\.json", which cannot be written \(E[A-Z]+\); make its folder writable, or run without --resume\n$/);
    expect(server.requests).toBe(0);
  });

  it('never reads a piped input twice for a fingerprint, and refuses --resume on an output that is not a file', async () => {
    const server = track(await startHttpServer());
    const n = 3000;
    const lines = Array.from({ length: n }, (_, i) => `${server.url}/p${i + 1}`);
    const dir = tempDir();
    const output = join(dir, 'out.ndjson');
    // A named pipe, as <(zcat urls.gz) gives: reading its head again would take records the run never sees.
    const fifo = join(dir, 'urls.fifo');
    execFileSync('mkfifo', [fifo]);
    const run = runCli([fifo, '-o', output]);
    writeFileSync(fifo, `${lines.join('\n')}\n`);
    const piped = await run;
    expect(piped.stderr).not.toMatch(/bulkfetch:/);
    expect(piped.code).toBe(0);
    expect(outputLines(output).sort((a, b) => a - b)).toEqual(lines.map((_, i) => i + 1));
    expect(existsSync(`${output}.resume.json`)).toBe(false);
    const devNull = await runCli([writeTempFile(lines.slice(0, 1)), '-o', '/dev/null', '--resume']);
    expect(devNull.code).toBe(2);
    expect(devNull.stderr).toMatch(/is not a regular file/);
  });

  // With the cache on, the GET's abort went through the cache unmarked, and --resume took it as done.
  it.each([['without the cache', [] as string[]], ['with the cache on', ['--cache', 'on']]])('sends what the stop came before (ENOTSENT) and a GET it aborted in flight (EABORTED), dropping those lines; a POST in flight stays as it was (%s)', async (_cache, cacheArgs) => {
    // The first two held 10 s (cut short when the run lets go), the rest 1 s: with 1 s for all, a stop a loaded
    // machine took longer than that to carry found the two answered and two more in flight.
    const server = track(await startHttpServer(async (req, res, ctx) => {
      if (await ctx.delay(ctx.index < 2 ? 10_000 : 1_000)) res.end(JSON.stringify({ path: req.url }));
    }));
    // Record 1 a POST, record 2 a GET: the two in flight at the stop (one slot each, the POST's held while it is announced).
    const input = writeTempFile([JSON.stringify({ url: `${server.url}/r1`, method: 'POST', body: 'x' }), ...Array.from({ length: 29 }, (_, i) => `${server.url}/r${i + 2}`)]);
    const output = join(tempDir(), 'out.ndjson');
    const args = [input, '-o', output, '--resume', '--procs', '1', '--concurrency', '2', '--grace', '200ms', ...cacheArgs];
    const child = spawnCli(args);
    const stopped = collectOutput(child);
    await waitFor(() => server.requests === 2);
    killGroup(child.pid as number, 'SIGINT');
    const first = await stopped;
    expect(first.code).toBe(130);
    const codes = (path: string) => parseJsonLines(readFileSync(path, 'utf8')).lines.map((l) => l.error?.code ?? l.status);
    const before = codes(output);
    expect(before).toHaveLength(30);
    const notSent = before.filter((c) => c === 'ENOTSENT').length;
    expect(notSent).toBeGreaterThanOrEqual(20);
    expect(first.stderr).toMatch(new RegExp(`not sent +${notSent} records the stop came before were answered ENOTSENT; --resume drops those lines and sends them`));
    expect(first.stderr).toMatch(/aborted +2 records in flight at the stop were answered EABORTED; --resume sends again those whose method may be sent twice/);
    const byLine = new Map(parseJsonLines(readFileSync(output, 'utf8')).lines.map((l) => [l.line, l]));
    expect(byLine.get(1)?.error).toEqual({ code: 'EABORTED', message: 'Aborted: the run was stopped' });
    expect(byLine.get(2)?.error).toEqual({ code: 'EABORTED', message: 'Aborted: the run was stopped; --resume of a run into -o FILE sends it again (its method may be sent twice)' });
    const sentBefore = server.requests;
    const final = await runCli(args.map((a) => (a === '2' ? '30' : a)), { timeoutMs: 60_000 });
    expect(final.code).toBe(0);
    expect(outputLines(output).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const after = codes(output);
    expect(after).not.toContain('ENOTSENT');
    expect(after.filter((c) => c === 'EABORTED')).toEqual(['EABORTED']);
    // Each record the stop came before was sent once, by the final run, and the GET it aborted a second time; the POST was not.
    expect(server.requests - sentBefore).toBe(notSent + 1);
    expect(server.paths.get('/r1')).toBe(1);
    expect(server.paths.get('/r2')).toBe(2);
    for (let i = 3; i <= 30; i++) expect(server.paths.get(`/r${i}`) ?? 0, `/r${i}`).toBeLessThanOrEqual(1);
  }, 60_000);

  it('cuts a torn last line and re-runs its record', async () => {
    const server = track(await startHttpServer());
    const input = writeTempFile([`${server.url}/a`, `${server.url}/b`, `${server.url}/c`]);
    const output = join(tempDir(), 'out.ndjson');
    const first = await runCli([input, '-o', output, '--resume', '--procs', '1']);
    expect(first.code).toBe(0);
    const whole = readFileSync(output, 'utf8').split('\n').filter(Boolean);
    // Leave the file as a kill mid-write would: the last line torn.
    const torn = whole.slice(0, 2).join('\n') + '\n' + (whole[2] as string).slice(0, 25);
    writeFileSync(output, torn);
    const again = await runCli([input, '-o', output, '--resume', '--procs', '1']);
    expect(again.code).toBe(0);
    const seen = outputLines(output);
    expect(seen.sort()).toEqual([1, 2, 3]);
    expect(server.paths.get(new URL(JSON.parse(whole[2] as string).url).pathname)).toBe(2);
  });

  it('the cache keeps only answers the records left to send will ask for again: those whose other occurrence is in the output already are not stored', async () => {
    const server = track(await startHttpServer());
    const urls = Array.from({ length: 100 }, (_, i) => `${server.url}/k${i + 1}`);
    const input = writeTempFile([...urls, ...urls]);
    const output = join(tempDir(), 'out.ndjson');
    expect((await runCli([input, '-o', output, '--resume', '--procs', '1', '-q'])).code).toBe(0);
    // As a stop after record 60 leaves it: /k1../k60 done once, their repeats (lines 101-160) to come, once each.
    const kept = readFileSync(output, 'utf8').split('\n').filter((l) => l !== '' && (JSON.parse(l) as { line: number }).line <= 60);
    writeFileSync(output, kept.join('\n') + '\n');
    const again = await runCli([input, '-o', output, '--resume', '--procs', '1', '-q', '--summary', '-']);
    expect(again.code).toBe(0);
    const { cache } = JSON.parse(again.stdout) as { cache: { stored: number; hits: number } };
    // Before: 100 stored, 60 of them for a use the earlier run had made.
    expect(cache).toMatchObject({ stored: 40, hits: 40 });
    expect(outputLines(output).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('sends again the records an output written with the earlier wording of ENOTSENT and EABORTED stopped', async () => {
    const server = track(await startHttpServer());
    const input = writeTempFile([`${server.url}/a`, `${server.url}/b`, `${server.url}/c`]);
    const output = join(tempDir(), 'out.ndjson');
    expect((await runCli([input, '-o', output, '--resume', '--procs', '1'])).code).toBe(0);
    // As bulkfetch wrote them before they named -o FILE: "--resume sends it" was said of a run into stdout too.
    const earlier = [
      { code: 'ENOTSENT', message: 'The run was stopped before this request was sent: --resume sends it' },
      { code: 'EABORTED', message: 'Aborted: the run was stopped; --resume sends it again (its method may be sent twice)' },
    ];
    const lines = parseJsonLines(readFileSync(output, 'utf8')).lines.map((line) => {
      const at = line.line - 2;
      return JSON.stringify(at >= 0 && at < earlier.length ? { ...line, status: null, error: earlier[at] } : line);
    });
    writeFileSync(output, lines.join('\n') + '\n');
    expect((await runCli([input, '-o', output, '--resume', '--procs', '1'])).code).toBe(0);
    expect(parseJsonLines(readFileSync(output, 'utf8')).lines.map((l) => [l.line, l.status]).sort()).toEqual([[1, 200], [2, 200], [3, 200]]);
    expect([server.paths.get('/a'), server.paths.get('/b'), server.paths.get('/c')]).toEqual([1, 2, 2]);
  });

  // A read-only mount of the output's folder, in a mount namespace of the run's own (root only).
  it.skipIf(process.getuid?.() !== 0)('an output whose rewrite cannot be written (a read-only file system) is the usage error an unwritable -o is: exit 2, not 1', async () => {
    const server = track(await startHttpServer());
    const input = writeTempFile([`${server.url}/a`, `${server.url}/b`]);
    const folder = tempDir();
    const output = join(folder, 'out.ndjson');
    expect((await runCli([input, '-o', output, '--resume', '--procs', '1'])).code).toBe(0);
    const lines = parseJsonLines(readFileSync(output, 'utf8')).lines.map((line) => JSON.stringify(line.line === 2 ? { ...line, status: null, error: { code: 'ENOTSENT', message: 'The run was stopped before this request was sent: --resume sends it' } } : line));
    writeFileSync(output, lines.join('\n') + '\n');
    const before = readFileSync(output, 'utf8');
    const via = ['unshare', '-m', 'sh', '-c', 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"', folder];
    const refused = await runCli([input, '-o', output, '--resume', '--procs', '1'], { via });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^bulkfetch: Cannot rewrite ".*out\.ndjson" without the lines of the records it sends again: EROFS; it is unchanged: make its folder writable/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(output, 'utf8')).toBe(before);
    expect(server.paths.get('/b')).toBe(1);
  });

  it('resumes streamed stdin input too', async () => {
    const server = track(await startHttpServer());
    const text = [`${server.url}/a`, `${server.url}/b`].join('\n') + '\n';
    const output = join(tempDir(), 'out.ndjson');
    expect((await runCli(['-', '-o', output, '--resume'], { stdin: text })).code).toBe(0);
    expect((await runCli(['-', '-o', output, '--resume'], { stdin: text })).code).toBe(0);
    expect(outputLines(output).sort()).toEqual([1, 2]);
    expect(server.requests).toBe(2);
  });

  it('sends what a slow pipe gave before it paused, and hears Ctrl-C meanwhile (it waited for 64 KiB or the end, deaf to signals)', async () => {
    const server = track(await startHttpServer());
    const output = join(tempDir(), 'out.ndjson');
    const producer = new PassThrough();
    const child = spawnCli(['-', '-o', output, '--resume', '--procs', '1'], { stdin: producer });
    const done = collectOutput(child);
    producer.write(`${server.url}/a\n${server.url}/b\n${server.url}/c\n`);
    // The pipe stays open: as `tail -f log | bulkfetch - -o out --resume` keeps it.
    await waitFor(() => server.requests === 3);
    await waitFor(() => sizeOf(output) > 0 && readFileSync(output, 'utf8').split('\n').filter(Boolean).length === 3);
    killGroup(child.pid as number, 'SIGINT');
    const stopped = await done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('stopping (SIGINT)');
    producer.end();
    // The next run, with the same input, takes over: the fingerprint was of what had come.
    const resumed = await runCli(['-', '-o', output, '--resume'], { stdin: `${server.url}/a\n${server.url}/b\n${server.url}/c\n${server.url}/d\n` });
    expect(resumed.code).toBe(0);
    expect(outputLines(output).sort()).toEqual([1, 2, 3, 4]);
    expect(server.requests).toBe(4);
  });

  it('a Ctrl-C while a restart reads its input\'s head stops it at once, the output untouched', async () => {
    const server = track(await startHttpServer());
    const output = join(tempDir(), 'out.ndjson');
    const first = Array.from({ length: 3000 }, (_, i) => `${server.url}/item/${i}`).join('\n') + '\n';
    expect((await runCli(['-', '-o', output, '--resume', '--procs', '1'], { stdin: first })).code).toBe(0);
    const before = readFileSync(output, 'utf8');
    // The restart needs the first run's 64 KiB of head; it has 10 lines of it when the stop comes.
    const producer = new PassThrough();
    const child = spawnCli(['-', '-o', output, '--resume', '--procs', '1'], { stdin: producer });
    const done = collectOutput(child);
    producer.write(first.split('\n').slice(0, 10).join('\n') + '\n');
    await waitForOutputLock(output);
    await new Promise((r) => setTimeout(r, 500));
    killGroup(child.pid as number, 'SIGINT');
    const stopped = await done;
    expect(stopped.code).toBe(130);
    expect(readFileSync(output, 'utf8')).toBe(before);
    // Acknowledged, as a signal during the run is: one that landed before it began was not.
    expect(stopped.stderr).toContain('bulkfetch: stopping (SIGINT)');
    producer.end();
  });

  it('refuses a different input, an output it did not make, and --resume without -o (exit 2)', async () => {
    const server = track(await startHttpServer());
    const input = writeTempFile([`${server.url}/a`]);
    const other = writeTempFile([`${server.url}/other`]);
    const output = join(tempDir(), 'out.ndjson');
    expect((await runCli([input, '-o', output, '--resume'])).code).toBe(0);
    const before = readFileSync(output, 'utf8');
    const refused = await runCli([other, '-o', output, '--resume']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(output, 'utf8')).toBe(before);
    expect(refused.stderr).toContain(`was written for a different input (${JSON.stringify(input)})`);
    // The same list, edited since: named as this input changed, not as "a different input" that is its own name.
    writeFileSync(input, `${server.url}/edited\n`);
    const edited = await runCli([input, '-o', output, '--resume']);
    expect([edited.code, edited.stderr]).toEqual([2, expect.stringContaining(`was written for ${JSON.stringify(input)} as it was then, and its first lines have changed since`)]);
    // URLs given as arguments, one of them left out the second time: told of them, not of "-" (stdin).
    const argsOutput = join(tempDir(), 'args.ndjson');
    const argsServer = track(await startHttpServer());
    const urls = [`${argsServer.url}/u1`, `${argsServer.url}/u2`];
    expect((await runCli([...urls, '-o', argsOutput, '--resume'])).code).toBe(0);
    const fewer = await runCli([urls[1] as string, '-o', argsOutput, '--resume']);
    expect([fewer.code, fewer.stderr]).toEqual([2, expect.stringContaining(`was written for the URLs of stdin or the command line as they were then, and their first lines have changed since`)]);

    const foreign = writeTempFile('{"line":1,"url":"x"}\n', 'foreign.ndjson');
    const noFingerprint = await runCli([input, '-o', foreign, '--resume']);
    expect(noFingerprint.code).toBe(2);
    expect(noFingerprint.stderr).toMatch(/exists but has no ".*foreign\.ndjson\.resume\.json"/);
    // A fingerprint file that holds none is named as such: "has no" sent the user looking for a file that is there.
    for (const broken of ['garbage\n', '{}\n']) {
      writeFileSync(`${foreign}.resume.json`, broken);
      const unreadable = await runCli([input, '-o', foreign, '--resume']);
      expect(unreadable.code).toBe(2);
      expect(unreadable.stderr).toMatch(/^bulkfetch: Cannot resume: ".*foreign\.ndjson\.resume\.json", beside ".*foreign\.ndjson", holds no fingerprint bulkfetch wrote \(torn, or not its file\)/);
    }

    // A line added by hand among the results is named by its number, with a way on (it was "bad line ending at byte 3341").
    const own = join(tempDir(), 'own.ndjson');
    const three = writeTempFile([`${server.url}/1`, `${server.url}/2`, `${server.url}/3`]);
    expect((await runCli([three, '-o', own, '--resume', '--procs', '1'])).code).toBe(0);
    const [l1, l2, l3] = readFileSync(own, 'utf8').split('\n');
    writeFileSync(own, [l1, l2, 'some junk line', l3, ''].join('\n'));
    const stray = await runCli([three, '-o', own, '--resume']);
    expect([stray.code, stray.stderr]).toEqual([2, `bulkfetch: Cannot resume: ${JSON.stringify(own)} is not bulkfetch output: its line 3 is not a result line (sed -n 3p shows it); remove that line if it was added by hand, or name another -o\n`]);

    expect((await runCli([input, '--resume'])).code).toBe(2);
    expect(server.requests).toBe(4);
  });
});
