// -o on a full or unwritable filesystem: a message naming the errno, a non-zero
// exit, never a silent loss. Tests run as root here, where a read-only directory
// does not stop writes; so EACCES runs the CLI as an unprivileged user, and a
// real (small) full filesystem is mounted only where mounting is allowed.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAfterEach, CLI_PATH, parseJsonLines, runCli, startFaultyServer, startHttpServer, tempDir, writeTempFile, type TestServer } from '../helpers/index.js';
import { urlFile as urls, waitFor } from './support.js';

const mounts: string[] = [];
// Registered first, so it runs after the unmounts below (vitest runs afterEach hooks in reverse).
const track = cleanupAfterEach();
afterEach(() => {
  for (const dir of mounts.splice(0)) spawnSync('umount', ['-l', dir]);
});

const isRoot = process.getuid?.() === 0;

/** Mounts a tmpfs of `size` at a fresh dir; undefined where mounting is not allowed. */
function smallTmpfs(size: string): string | undefined {
  if (!isRoot) return undefined;
  const dir = join(tempDir(), 'small');
  mkdirSync(dir);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  if (mounted.status !== 0) return undefined;
  mounts.push(dir);
  return dir;
}

async function bigResponses(): Promise<TestServer> {
  return track(await startHttpServer((_req, res) => void res.end('x'.repeat(4000))));
}

/** Whether uid 65534 can start process.execPath and read the CLI's files. */
function nobodyCanRunCli(): boolean {
  const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(CLI_PATH)}, require('fs').constants.R_OK); import(${JSON.stringify(CLI_PATH.replace('bin/bulkfetch.js', 'dist/version.js'))})`], {
    uid: 65534,
    gid: 65534,
    stdio: 'ignore',
    timeout: 20_000,
  });
  return probe.error === undefined && probe.status === 0;
}

/** Runs a shell command line without blocking this process (its servers answer from here); resolves with its exit code. */
function shell(command: string): Promise<number | null> {
  const child = spawn('bash', ['-c', command], { stdio: 'ignore' });
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

describe('output failures', () => {
  it('ENOSPC (/dev/full): exit 1 with the errno on stderr', async () => {
    const s = await bigResponses();
    // A --summary file a run before left is not kept as if it were this run's.
    const summary = join(tempDir(), 'summary.json');
    writeFileSync(summary, '{"records": 50, "errors": 0}\n');
    const result = await runCli([urls(s.url, 50), '-o', '/dev/full', '--procs', '1', '--summary', summary]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ENOSPC');
    expect(result.stdout).toBe('');
    expect(existsSync(summary)).toBe(false);
  });

  it('a --summary file a run before left is gone as a run starts: one killed outright (kill -9) leaves none, not an earlier run\'s', async () => {
    const server = track(await startFaultyServer('hang'));
    const dir = tempDir();
    const summary = join(dir, 'summary.json');
    writeFileSync(summary, '{"records": 50, "errors": 0}\n');
    const child = spawn(process.execPath, [CLI_PATH, urls(server.url, 5), '-o', join(dir, 'out.ndjson'), '--procs', '1', '--summary', summary, '-q'], { stdio: 'ignore', detached: true });
    track({ close: async () => void (child.exitCode === null && process.kill(-(child.pid as number), 'SIGKILL')) });
    await waitFor(() => !existsSync(summary), 10_000);
    process.kill(-(child.pid as number), 'SIGKILL');
    expect(existsSync(summary)).toBe(false);
  });

  it('a --summary symlink is written through and kept, and a usage error leaves an earlier summary where it was', async () => {
    const server = track(await startHttpServer());
    const dir = tempDir();
    const target = join(dir, 'target.json');
    writeFileSync(target, 'old\n');
    const link = join(dir, 'latest.json');
    symlinkSync(target, link);
    const result = await runCli([urls(server.url, 2), '-o', join(dir, 'out.ndjson'), '--summary', link, '-q']);
    expect(result.code).toBe(0);
    // rm took the link away and wrote a file in its place (and --summary /dev/stderr made /dev/stderr a file).
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toMatchObject({ records: 2 });
    // Nothing ran: the summary there is still the last run's.
    const refused = await runCli([join(dir, 'no-such-list.txt'), '-o', join(dir, 'out2.ndjson'), '--summary', target]);
    expect(refused.code).toBe(2);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toMatchObject({ records: 2 });
    // A run that writes none (its reader gone: | head) leaves the link's file empty, not the last run's summary.
    expect(await shell(`"${process.execPath}" "${CLI_PATH}" "${urls(server.url, 3000)}" --summary "${link}" -q | head -1 > /dev/null`)).toBe(0);
    expect([lstatSync(link).isSymbolicLink(), readFileSync(target, 'utf8')]).toEqual([true, '']);
    // --summary /dev/stderr with stderr added to a log (2>>run.log): the summary is added to it, and the log kept.
    const log = join(dir, 'run.log');
    writeFileSync(log, 'earlier line\n');
    expect(await shell(`"${process.execPath}" "${CLI_PATH}" "${urls(server.url, 2)}" -o "${join(dir, 'out3.ndjson')}" --summary /dev/stderr -q 2>> "${log}"`)).toBe(0);
    const logText = readFileSync(log, 'utf8');
    expect(logText.startsWith('earlier line\n{')).toBe(true);
    expect(JSON.parse(logText.slice('earlier line\n'.length))).toMatchObject({ records: 2 });
    // The descriptor by its /proc name, no link before it: the same (it was taken for a file, and the log emptied).
    writeFileSync(log, 'earlier line\n');
    expect(await shell(`"${process.execPath}" "${CLI_PATH}" "${urls(server.url, 2)}" -o "${join(dir, 'out4.ndjson')}" --summary /proc/self/fd/2 -q 2>> "${log}"`)).toBe(0);
    expect(readFileSync(log, 'utf8').startsWith('earlier line\n{')).toBe(true);
  });

  it('ENOSPC with invalid records among the lines (written by the parent itself): exit 1 with the errno, not exit 13 in silence', async () => {
    const s = await track(startHttpServer());
    // Every 50th line is no URL: the parent writes its answer, and waited for a 'drain' that a failed output never emits.
    const lines = Array.from({ length: 300 }, (_, i) => ((i + 1) % 50 === 0 ? `not a url ${i}` : `${s.url}/get?i=${i}`));
    const result = await runCli([writeTempFile(lines), '-o', '/dev/full', '--procs', '1', '--concurrency', '10']);
    expect([result.code, result.stderr]).toEqual([1, expect.stringContaining('cannot write output "/dev/full": ENOSPC')]);
  });

  it('--help, --version and analyze on a full disk or a reader gone: one line and exit 1, or exit 0, never a Node trace', () => {
    const input = writeTempFile(['http://127.0.0.1:1/a', 'http://127.0.0.1:1/b']);
    const sh = (command: string) => spawnSync('bash', ['-c', `set -o pipefail; ${command}`], { encoding: 'utf8', env: { ...process.env, CLI: CLI_PATH, INPUT: input } });
    for (const args of ['--help', '--version', 'analyze "$INPUT"', 'analyze "$INPUT" --json', 'analyze --help']) {
      const full = sh(`"$CLI" ${args} > /dev/full`);
      expect([args, full.status, full.stderr]).toEqual([args, 1, 'bulkfetch: cannot write to stdout: ENOSPC\n']);
      // A jq that failed on its filter: the reader is gone before (or while) the report is written.
      const gone = sh(`"$CLI" ${args} | (exec 0<&-; sleep 0.3)`);
      expect([args, gone.status, gone.stderr]).toEqual([args, 0, '']);
    }
  });

  it('ENOSPC on a filesystem that fills mid-run: exit 1, and what was written is whole lines a --resume can continue', async (ctx) => {
    const dir = smallTmpfs('64k');
    if (!dir) return ctx.skip();
    const s = await bigResponses();
    const input = urls(s.url, 200); // ~200 x 4 KB of output: far more than 64 KiB
    const output = join(dir, 'out.ndjson');
    const result = await runCli([input, '-o', output, '--resume', '--procs', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ENOSPC');
    const written = readFileSync(output, 'utf8');
    expect(written.length).toBeGreaterThan(0);
    // Only the last line can be torn (the write that hit the wall); --resume cuts it.
    const whole = written.slice(0, written.lastIndexOf('\n') + 1);
    expect(parseJsonLines(whole).nonJson).toEqual([]);
  });

  it('a disk already full when the fingerprint is written: exit 1 naming ENOSPC, and no temporary file left beside the output', async (ctx) => {
    const dir = smallTmpfs('64k');
    if (!dir) return ctx.skip();
    try {
      writeFileSync(join(dir, 'filler'), Buffer.alloc(128 * 1024));
    } catch {
      // ENOSPC: the disk is full now, as meant
    }
    const s = await bigResponses();
    const result = await runCli([urls(s.url, 3), '-o', join(dir, 'out.ndjson'), '--procs', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ENOSPC');
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    // With --resume it said to make the folder writable, exit 2; and a --summary there was left empty, for a
    // script that checks it is there to take for this run's.
    const resumed = await runCli([urls(s.url, 3), '-o', join(dir, 'resumed.ndjson'), '--resume', '--procs', '1']);
    expect([resumed.code, resumed.stderr]).toEqual([1, `bulkfetch: Cannot resume with -o ${JSON.stringify(join(dir, 'resumed.ndjson'))}: the disk is full (ENOSPC): --resume keeps the input's fingerprint beside it, in ${JSON.stringify(join(dir, 'resumed.ndjson.resume.json'))}, which cannot be written; free space, then run the same command again\n`]);
    const summary = await runCli([urls(s.url, 3), '-o', '/dev/null', '--summary', join(dir, 'sum.json'), '--procs', '1', '-q']);
    expect([summary.code, summary.stderr]).toEqual([1, `bulkfetch: cannot write --summary ${JSON.stringify(join(dir, 'sum.json'))}: ENOSPC\n`]);
    expect(readdirSync(dir)).not.toContain('sum.json');
  });

  it('--resume whose rewrite meets a full disk: exit 1 saying what to do, the output unchanged, no temporary file left (nor one a killed run left)', async (ctx) => {
    const dir = smallTmpfs('512k');
    if (!dir) return ctx.skip();
    const s = await bigResponses();
    const input = urls(s.url, 40); // ~40 x 4 KB of output
    const output = join(dir, 'out.ndjson');
    expect((await runCli([input, '-o', output, '--resume', '--procs', '1'])).code).toBe(0);
    // As a stop leaves it: some records answered ENOTSENT, which --resume drops by rewriting the file.
    const notSent = { code: 'ENOTSENT', message: 'The run was stopped before this request was sent: --resume of a run into -o FILE sends it' };
    const lines = parseJsonLines(readFileSync(output, 'utf8')).lines.map((l) => JSON.stringify(l.line % 10 === 0 ? { ...l, status: null, error: notSent } : l));
    writeFileSync(output, lines.join('\n') + '\n');
    // A rewrite's part a run killed outright left (no process has that pid), and a disk without room for another.
    writeFileSync(`${output}.4194399.tmp`, 'x');
    const before = readFileSync(output);
    try {
      writeFileSync(join(dir, 'filler'), Buffer.alloc(512 * 1024));
    } catch {
      // ENOSPC: the disk is full now, as meant
    }
    const result = await runCli([input, '-o', output, '--resume', '--procs', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Cannot rewrite .* ENOSPC; it is unchanged: free space .* then run the same command again/);
    expect(readFileSync(output).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('--save on a disk that fills: the bodies without room are ESAVE in words --resume knows, the run says so, and --resume fetches them once there is room', async (ctx) => {
    const dir = smallTmpfs('1m');
    if (!dir) return ctx.skip();
    const save = join(dir, 'save');
    mkdirSync(save);
    const server = track(await startHttpServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end(Buffer.alloc(200_000, 97))));
    // First, a record whose file would replace a directory (EISDIR as the whole body is renamed into place): an
    // ESAVE of its own, which no room would mend, and which the full disk's notice once counted as one of its.
    mkdirSync(join(save, 'sub'));
    const specs = [{ id: 'sub', url: `${server.url}/sub` }, ...Array.from({ length: 20 }, (_, i) => ({ id: `f${i}`, url: `${server.url}/b${i}` }))];
    const input = writeTempFile(specs.map((spec) => JSON.stringify(spec)));
    const output = join(tempDir(), 'out.ndjson');
    // Without --resume: the fingerprint stays for the bodies --resume is to fetch again (a complete run removed it).
    // One child and one slot, so 'sub' is saved (and meets its directory) before any other body can fill the disk:
    // with two children, the one without it filled the disk first on a loaded CI machine, and 'sub' was ENOSPC.
    const first = await runCli([input, '-o', output, '--save', save, '--procs', '1', '--concurrency', '1', '-q']);
    expect(first.code).toBe(0);
    const lines = parseJsonLines(readFileSync(output, 'utf8')).lines;
    expect(lines.find((line) => line.id === 'sub')?.error).toMatchObject({ code: 'ESAVE', message: expect.stringMatching(/^Cannot save the body: EISDIR: .* \(after status 200\)$/) });
    const full = lines.filter((line) => line.error?.code === 'ESAVE' && line.id !== 'sub');
    expect(full.length).toBeGreaterThan(5);
    // Its status is in its message, as in any other error's after a status came.
    for (const line of full) expect(line.error.message).toBe('Cannot save the body (after status 200): the disk is full (ENOSPC or EDQUOT); --resume of a run into -o FILE sends it again once there is room');
    expect(first.stderr).toBe(`bulkfetch: --save ${JSON.stringify(save)} is on a full disk, and ${full.length} bodies could not be saved (ESAVE): free space, then run the same command with --resume: the records whose body found no room are sent again, if their method may be sent twice (GET, HEAD, PUT, DELETE, OPTIONS; any with --retry-all-methods)\n`);
    // One line as bulkfetch worded it before its status was in it: --resume still sends its record again.
    const written = readFileSync(output, 'utf8');
    writeFileSync(output, written.replace('Cannot save the body (after status 200): the disk is full', 'Cannot save the body: the disk is full'));
    expect(readFileSync(output, 'utf8')).not.toBe(written);
    expect(spawnSync('mount', ['-o', 'remount,size=8m', dir]).status).toBe(0);
    const resumed = await runCli([input, '-o', output, '--save', save, '--concurrency', '4', '-q', '--resume']);
    expect([resumed.code, resumed.stderr]).toEqual([0, '']);
    const after = parseJsonLines(readFileSync(output, 'utf8')).lines;
    expect(after).toHaveLength(21);
    expect(after.filter((line) => line.status !== 200).map((line) => line.id)).toEqual(['sub']);
    expect(readdirSync(save).filter((name) => !name.startsWith('.'))).toHaveLength(21);
    // A POST reached the server and was answered: --resume leaves it, as an EABORTED one (--retry-all-methods sends it).
    spawnSync('sh', ['-c', `rm -rf ${JSON.stringify(save)}/* && mount -o remount,size=1m ${JSON.stringify(dir)}`]);
    const posts = join(tempDir(), 'posts.ndjson');
    const posted = await runCli([input, '-o', posts, '--save', save, '--concurrency', '4', '-q', '-X', 'POST', '-d', 'a=1']);
    const once = parseJsonLines(readFileSync(posts, 'utf8')).lines.filter((line) => line.error?.code === 'ESAVE');
    expect(once.length).toBeGreaterThan(5);
    for (const line of once) expect(line.error.message).toBe('Cannot save the body (after status 200): the disk is full (ENOSPC or EDQUOT); its method may not be sent twice, so --resume leaves it (a run given --retry-all-methods writes such a record for --resume to send again)');
    expect(posted.code).toBe(0);
    const before = server.requests;
    spawnSync('mount', ['-o', 'remount,size=8m', dir]);
    expect((await runCli([input, '-o', posts, '--save', save, '-q', '-X', 'POST', '-d', 'a=1', '--resume'])).code).toBe(0);
    expect(server.requests).toBe(before);
  });

  it('EACCES: an unprivileged user writing into a read-only directory gets exit 2 and the errno', async (ctx) => {
    // The unprivileged user must be able to run this node and read the CLI: not
    // so when either sits under a root-only directory (a CI clone in /root ...).
    if (isRoot && !nobodyCanRunCli()) return ctx.skip();
    const s = await bigResponses();
    const base = tempDir();
    const locked = join(base, 'locked');
    mkdirSync(locked);
    chmodSync(base, 0o755);
    chmodSync(locked, 0o555);
    const input = urls(s.url, 3);
    chmodSync(input, 0o644);
    const run = spawn(process.execPath, [CLI_PATH, input, '-o', join(locked, 'out.ndjson')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(isRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let stderr = '';
    run.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => run.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('EACCES');
    expect(s.requests).toBe(0);
  });

  it('ENOTDIR and EROFS: refused before any request', async () => {
    const s = await bigResponses();
    const file = writeTempFile('x');
    const underFile = await runCli([urls(s.url, 3), '-o', join(file, 'out.ndjson')]);
    expect(underFile.code).toBe(2);
    expect(underFile.stderr).toContain('ENOTDIR');
    const dir = smallTmpfs('64k');
    if (dir && spawnSync('mount', ['-o', 'remount,ro', dir]).status === 0) {
      const readOnly = await runCli([urls(s.url, 3), '-o', join(dir, 'out.ndjson')]);
      expect(readOnly.code).toBe(2);
      expect(readOnly.stderr).toContain('EROFS');
    }
    expect(s.requests).toBe(0);
  });
});
