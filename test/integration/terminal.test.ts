// First use at a terminal: the CLI in a real pseudo-terminal (util-linux `script`),
// stdout and stderr both that terminal, as a person runs it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, CLI_PATH, processTree, runCli, startHttpServer, tempDir, writeTempFile } from '../helpers/index.js';
import { waitFor } from './support.js';

const track = cleanupAfterEach();

const quote = (arg: string): string => `'${arg.replaceAll("'", "'\\''")}'`;

/** Runs the CLI in a pseudo-terminal `columns` wide; resolves with everything the terminal showed and the exit code. */
function inTerminal(args: string[], opts: { columns?: number; cwd?: string; typed?: string; term?: string; stdoutTo?: string; onStart?: (pid: number, type: (text: string) => void) => void } = {}): Promise<{ screen: string; code: number }> {
  // A Ctrl-C signals the terminal's whole foreground group, this shell too. An interactive shell lives on to
  // report how its job ended; `sh -c` (dash) would die of it, and the exit code with it, unless it traps it.
  const command = `trap : INT; stty cols ${opts.columns ?? 200}; ${opts.term === undefined ? '' : `TERM=${quote(opts.term)} `}${quote(process.execPath)} ${quote(CLI_PATH)} ${args.map(quote).join(' ')}${opts.stdoutTo === undefined ? '' : opts.stdoutTo.startsWith('| ') ? ` ${opts.stdoutTo}` : ` > ${quote(opts.stdoutTo)}`}; echo "EXIT=$?"`;
  // script(1) runs the command with $SHELL: pinned, so that a run here uses the shell CI does (sh, not the developer's bash).
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { ...process.env, SHELL: '/bin/sh' } });
  opts.onStart?.(child.pid as number, (text) => child.stdin.write(text));
  const out: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stdin.on('error', () => {});
  if (opts.typed !== undefined) child.stdin.write(opts.typed);
  const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.once('close', () => {
      clearTimeout(timer);
      const screen = Buffer.concat(out).toString('utf8');
      resolve({ screen, code: Number(/EXIT=(\d+)/.exec(screen)?.[1] ?? -1) });
    });
  });
}

describe('a run in a terminal', () => {
  it('a terminal that closes mid-run: the run stops as on SIGTERM, its lines and summary written, and ends by SIGHUP (129), not a native abort', async () => {
    const server = track(
      await startHttpServer(async (_req, res, ctx) => {
        if (await ctx.delay(30_000)) res.end('{}');
      }),
    );
    const dir = tempDir();
    const input = writeTempFile(Array.from({ length: 40 }, (_, i) => `${server.url}/r${i}`));
    const cli = [process.execPath, CLI_PATH, input, '--procs', '2', '--concurrency', '5', '--grace', '300ms', '-o', 'out.ndjson', '--summary', 'summary.json'].map(quote).join(' ');
    // A hangup reaches the session's leader, this shell; as an interactive shell does, it passes
    // the SIGHUP on to its job, and lives to record how the job ended.
    const command = `trap 'kill -HUP $job' HUP; ${cli} & job=$!; wait $job; wait $job; echo $? > rc`;
    const terminal = spawn('script', ['-qec', command, '/dev/null'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { ...process.env, SHELL: '/bin/sh' } });
    terminal.stdout.resume();
    await waitFor(() => server.requests === 10);
    // Closing the terminal: the pseudo-terminal hangs up on its foreground process group.
    process.kill(terminal.pid as number, 'SIGKILL');
    await waitFor(() => existsSync(join(dir, 'rc')));
    expect(readFileSync(join(dir, 'rc'), 'utf8').trim()).toBe('129');
    const lines = readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; error: { code: string } | null });
    // All 40 were already handed to the children (their windows hold more): each is answered,
    // EABORTED in flight, ENOTSENT where the stop came first.
    expect(new Set(lines.map((l) => l.line)).size).toBe(40);
    expect(lines.every((l) => l.error?.code === 'EABORTED' || l.error?.code === 'ENOTSENT')).toBe(true);
    expect(lines.filter((l) => l.error?.code === 'EABORTED').length).toBe(10);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toMatchObject({ stoppedBy: 'stop' });
  });

  it('a terminal that closes under a run started with setsid (no SIGHUP comes): the run ends as it would, not in a native abort (134)', async () => {
    const server = track(
      await startHttpServer(async (_req, res, ctx) => {
        if (await ctx.delay(1500)) res.end('{}');
      }),
    );
    const dir = tempDir();
    const input = writeTempFile(Array.from({ length: 10 }, (_, i) => `${server.url}/r${i}`));
    const cli = [process.execPath, CLI_PATH, input, '--procs', '1', '-o', 'out.ndjson'].map(quote).join(' ');
    // Its own session: the terminal's hangup goes to no process of it, which finds the terminal gone (EIO) as it ends.
    // The terminal stays until the test closes it (SIGKILL to script): a fixed half second ran out on a loaded machine
    // before the run had sent its requests, and the terminal was gone before the test could close it.
    const command = `setsid -f sh -c ${quote(`${cli} 2> err.txt; echo $? > rc`)}; sleep 60`;
    const terminal = spawn('script', ['-qec', command, '/dev/null'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { ...process.env, SHELL: '/bin/sh' } });
    terminal.stdout.resume();
    await waitFor(() => server.requests === 10);
    process.kill(terminal.pid as number, 'SIGKILL');
    await waitFor(() => existsSync(join(dir, 'rc')), 15_000);
    expect(readFileSync(join(dir, 'rc'), 'utf8').trim()).toBe('0');
    expect(readFileSync(join(dir, 'err.txt'), 'utf8')).not.toMatch(/Native stack trace|Assertion failed/);
    expect(readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n')).toHaveLength(10);
  }, 30_000);

  it('exits 0, prints the summary and writes --summary FILE', async () => {
    const server = track(await startHttpServer());
    const dir = tempDir();
    const input = writeTempFile([`${server.url}/a`, `${server.url}/b`]);
    const { screen, code } = await inTerminal([input, '--summary', 'summary.json', '--procs', '1'], { cwd: dir });
    expect(code).toBe(0);
    expect(screen).toContain('bulkfetch summary');
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toMatchObject({ records: 2 });
  });

  it('never writes a result line onto the progress line, and the progress line fits the width', async () => {
    // Slow answers keep the progress line up while results arrive.
    const server = track(
      await startHttpServer(async (req, res, ctx) => {
        if (await ctx.delay(Number(req.url?.slice(2)) * 40)) res.end('{}');
      }),
    );
    const input = writeTempFile(Array.from({ length: 12 }, (_, i) => `${server.url}/r${i}`));
    const { screen, code } = await inTerminal([input, '--procs', '1', '--concurrency', '1', '--body', 'none', '--no-headers'], { columns: 40 });
    expect(code).toBe(0);
    // Each result line starts at column 0: on a cleared line or after another result line, never after progress text.
    const segments = screen.split('{"line":');
    expect(segments.slice(1)).toHaveLength(12);
    for (const before of segments.slice(0, -1)) expect(before === '' || before.endsWith('\r\x1b[K') || before.endsWith('\n'), JSON.stringify(before.slice(-80))).toBe(true);
    // Every progress draw fits in 39 columns, so it never wraps.
    const draws = [...screen.matchAll(/\r(bulkfetch [^\r\n]*?)\x1b\[K/g)].map((m) => m[1] as string);
    expect(draws.length).toBeGreaterThan(0);
    for (const draw of draws) expect(draw.length).toBeLessThan(40);
  });

  it('-o /dev/stdout or -o /dev/tty at a terminal is stdout: no result line is written onto the progress line', async () => {
    // Written as a file, its lines went out without the progress line erased first (6 of 3,000 here, curl users' habit).
    const server = track(
      await startHttpServer(async (req, res, ctx) => {
        if (await ctx.delay(Number(req.url?.slice(2)) % 7 * 20)) res.end('{}');
      }),
    );
    const input = writeTempFile(Array.from({ length: 40 }, (_, i) => `${server.url}/r${i}`));
    for (const target of ['/dev/stdout', '/dev/tty']) {
      const { screen, code } = await inTerminal([input, '--procs', '1', '--concurrency', '2', '--body', 'none', '--no-headers', '-o', target], { columns: 60 });
      expect(code, target).toBe(0);
      const segments = screen.split('{"line":');
      expect(segments.slice(1), target).toHaveLength(40);
      for (const before of segments.slice(0, -1)) expect(before === '' || before.endsWith('\r\x1b[K') || before.endsWith('\n'), `${target} ${JSON.stringify(before.slice(-80))}`).toBe(true);
    }
    // -o /dev/tty with stdout elsewhere: the results still go to this terminal, beside the progress line.
    const tty = await inTerminal([input, '--procs', '1', '--concurrency', '2', '--body', 'none', '--no-headers', '-o', '/dev/tty'], { columns: 60, stdoutTo: '/dev/null' });
    const ttySegments = tty.screen.split('{"line":');
    expect(ttySegments.slice(1)).toHaveLength(40);
    for (const before of ttySegments.slice(0, -1)) expect(before === '' || before.endsWith('\r\x1b[K') || before.endsWith('\n'), JSON.stringify(before.slice(-80))).toBe(true);
    // Nothing --resume could read back, as in a pipe: it ran, exit 0, as if --resume were not there.
    const resumed = await inTerminal([input, '-o', '/dev/stdout', '--resume'], { columns: 60 });
    expect(resumed.code).toBe(2);
    expect(resumed.screen).toContain('Cannot resume: "/dev/stdout" is this terminal');
  });

  it('results into a pipe (| jq, | head), whose reader writes to this terminal too: no progress line for its lines to land on; --progress draws it', async () => {
    const server = track(
      await startHttpServer(async (req, res, ctx) => {
        if (await ctx.delay(Number(req.url?.slice(2)) % 7 * 20)) res.end('{}');
      }),
    );
    const input = writeTempFile(Array.from({ length: 40 }, (_, i) => `${server.url}/r${i}`));
    const piped = await inTerminal([input, '--procs', '1', '--concurrency', '2', '--body', 'none', '--no-headers'], { columns: 60, stdoutTo: '| cat' });
    expect(piped.code).toBe(0);
    expect(piped.screen.split('{"line":').slice(1)).toHaveLength(40);
    expect(piped.screen).not.toMatch(/bulkfetch \d+\/40 lines/);
    expect(piped.screen).toContain('bulkfetch summary');
    const forced = await inTerminal([input, '--procs', '1', '--concurrency', '2', '--body', 'none', '--no-headers', '--progress'], { columns: 60, stdoutTo: '| cat' });
    expect(forced.screen).toMatch(/bulkfetch \d+\/40 lines/);
  });

  it('results sent elsewhere (> /dev/null, a file): the progress line is not erased and drawn again around each batch of them', async () => {
    const server = track(
      await startHttpServer(async (_req, res, ctx) => {
        if (await ctx.delay(30)) res.end('{}');
      }),
    );
    const input = writeTempFile(Array.from({ length: 12 }, (_, i) => `${server.url}/r${i}`));
    for (const stdoutTo of ['/dev/null', join(tempDir(), 'out.ndjson')]) {
      const { screen, code } = await inTerminal([input, '--procs', '1', '--concurrency', '1'], { stdoutTo });
      expect(code).toBe(0);
      // An erase followed at once by a draw is the clear-and-redraw around a write to the terminal; the timer's draws are not erased first.
      expect(screen.split('\r\x1b[K\rbulkfetch ').length - 1, stdoutTo).toBeLessThanOrEqual(1);
      expect(screen).toMatch(/\rbulkfetch [^\r\n]*\x1b\[K/);
    }
  });

  it('TERM=dumb (Emacs\'s shell): the progress line is redrawn and erased with spaces, never an escape code', async () => {
    const server = track(
      await startHttpServer(async (req, res, ctx) => {
        if (await ctx.delay(Number(req.url?.slice(2)) * 40)) res.end('{}');
      }),
    );
    const input = writeTempFile(Array.from({ length: 12 }, (_, i) => `${server.url}/r${i}`));
    const { screen, code } = await inTerminal([input, '--procs', '1', '--concurrency', '1', '--body', 'none', '--no-headers'], { columns: 60, term: 'dumb' });
    expect(code).toBe(0);
    expect(screen).toContain('\rbulkfetch ');
    expect(screen).not.toContain('\x1b');
    // Each result line starts at column 0: after a line erased with spaces, or after another line.
    const segments = screen.split('{"line":');
    expect(segments.slice(1)).toHaveLength(12);
    for (const before of segments.slice(0, -1)) expect(before === '' || / *\r$/.test(before) || before.endsWith('\n'), JSON.stringify(before.slice(-80))).toBe(true);
  });

  it('reports a child crash on a line of its own: the progress line is erased first, and drawn again after', async () => {
    let terminalPid = 0;
    let killed = false;
    const server = track(
      await startHttpServer(async (req, res, ctx) => {
        if (req.url === '/killer' && !killed) {
          if (!(await ctx.delay(600))) return;
          killed = true;
          // The run's child processes, below the terminal's shell and the CLI.
          for (const pid of processTree(terminalPid)) {
            let command = '';
            try {
              command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
            } catch {
              continue; // gone meanwhile
            }
            if (command.includes('child/main')) process.kill(pid, 'SIGKILL');
          }
          return;
        }
        if (await ctx.delay(100)) res.end('{}');
      }),
    );
    const input = writeTempFile(Array.from({ length: 30 }, (_, i) => `${server.url}/${i === 4 ? 'killer' : `r${i}`}`));
    const run = inTerminal([input, '--procs', '1', '--concurrency', '4', '-o', join(tempDir(), 'out.ndjson')], { onStart: (pid) => (terminalPid = pid) });
    const { screen, code } = await run;
    expect(code).toBe(0);
    expect(killed).toBe(true);
    // Written straight after the progress text, it landed on the progress line: "... ETA 3s\x1b[Kbulkfetch: child 0 died".
    expect(screen).toMatch(/\r\x1b\[Kbulkfetch: child 0 died \(signal SIGKILL\)/);
  });

  it('Ctrl-C says at once that the run is stopping and for how long, and a second one that it aborts', async () => {
    const server = track(
      await startHttpServer(async (_req, res, ctx) => {
        if (await ctx.delay(30_000)) res.end('{}');
      }),
    );
    const input = writeTempFile(Array.from({ length: 40 }, (_, i) => `${server.url}/r${i}`));
    let type: (text: string) => void = () => {};
    const run = inTerminal([input, '--procs', '1', '--concurrency', '4', '--grace', '20s', '-o', join(tempDir(), 'out.ndjson')], { onStart: (_pid, typing) => (type = typing) });
    await waitFor(() => server.requests === 4);
    // Typed at the terminal: its line discipline sends SIGINT to the foreground process group.
    type('\x03');
    await new Promise((resolve) => setTimeout(resolve, 500));
    type('\x03');
    const { screen, code } = await run;
    expect(code).toBe(130);
    // On lines of their own, in the order they happened: the line is erased first, whether it holds the progress
    // line or only the "^C" the terminal echoed (with no progress drawn yet, "^Cbulkfetch: stopping" was one line).
    expect(screen).toMatch(/\r\x1b\[Kbulkfetch: stopping \(SIGINT\): no new requests; those in flight get 20s to finish \(Ctrl-C again aborts them now\)\r?\n[^]*\r\x1b\[Kbulkfetch: SIGINT again: aborting the requests in flight\r?\n/);
    expect(screen).toMatch(/stopped +by SIGINT/);
  });

  it('with -q, the stop report after a Ctrl-C starts by erasing its line: the "^C" the terminal echoed was glued to it', async () => {
    const server = track(
      await startHttpServer(async (_req, res, ctx) => {
        if (await ctx.delay(30_000)) res.end('{}');
      }),
    );
    const input = writeTempFile(Array.from({ length: 10 }, (_, i) => `${server.url}/r${i}`));
    let type: (text: string) => void = () => {};
    const run = inTerminal([input, '--procs', '1', '--concurrency', '2', '--grace', '200ms', '-q', '-o', join(tempDir(), 'out.ndjson')], { onStart: (_pid, typing) => (type = typing) });
    await waitFor(() => server.requests === 2);
    type('\x03');
    const { screen, code } = await run;
    expect(code).toBe(130);
    expect(screen).toMatch(/\r\x1b\[Kbulkfetch: stopped: by SIGINT/);
    expect(screen).not.toMatch(/\^Cbulkfetch/);
  });

  it("--no-progress (curl's --no-progress-meter) keeps the progress line off, and the summary on", async () => {
    const server = track(
      await startHttpServer(async (_req, res, ctx) => {
        if (await ctx.delay(60)) res.end('{}');
      }),
    );
    for (const flag of ['--no-progress', '--no-progress-meter']) {
      const { screen, code } = await inTerminal([`${server.url}/[1-12]`, '--procs', '1', '--concurrency', '2', '-o', '/dev/null', flag]);
      expect(code, flag).toBe(0);
      expect(screen, flag).not.toMatch(/bulkfetch \d+\/12 lines/);
      expect(screen, flag).toContain('bulkfetch summary');
    }
  });

  it('shows the total of URL arguments, globs expanded, without reading stdin', async () => {
    const server = track(
      await startHttpServer(async (_req, res, ctx) => {
        if (await ctx.delay(60)) res.end('{}');
      }),
    );
    const { screen, code } = await inTerminal([`${server.url}/[1-12]`, '--procs', '1', '--concurrency', '2', '-o', '/dev/null']);
    expect(code).toBe(0);
    expect(screen).toMatch(/bulkfetch \d+\/12 lines/);
    expect(screen).not.toContain('reading URLs from stdin');
    expect(server.requests).toBe(12);
  });

  it('says it reads stdin when stdin is a terminal, with -q too (it hides the summary and progress, not why the run waits)', async () => {
    const server = track(await startHttpServer());
    for (const quiet of [[], ['-q']]) {
      const { screen, code } = await inTerminal(['--procs', '1', ...quiet], { typed: `${server.url}/typed\n\x04` });
      expect(code).toBe(0);
      expect(screen, quiet.join(' ')).toContain('reading URLs from stdin');
      expect(screen).toContain('"url":"http://127.0.0.1');
    }
  });

  it('analyze says it reads stdin when stdin is a terminal: it waited without a word', async () => {
    const { screen, code } = await inTerminal(['analyze'], { typed: 'http://127.0.0.1:9/a\nhttp://127.0.0.1:9/a\n\x04' });
    expect(code).toBe(0);
    expect(screen).toContain('bulkfetch analyze: reading URLs from stdin, one a line (Ctrl-D to end)');
    expect(screen).toMatch(/records\s+2 /);
  });

  it('draws no progress line over URLs being typed at the terminal, unless --progress asks for it', async () => {
    const server = track(await startHttpServer());
    const typing = (_pid: number, type: (text: string) => void): void => {
      // A URL, then a pause as long as several of the progress line's redraws, before the next and Ctrl-D.
      type(`${server.url}/first\n`);
      setTimeout(() => type(`${server.url}/second\n\x04`), 1500);
    };
    const typed = await inTerminal(['--procs', '1'], { onStart: typing });
    expect(typed.code).toBe(0);
    expect(typed.screen).toContain('reading URLs from stdin');
    expect(typed.screen).toContain('/second","method":"GET","status":200');
    expect(typed.screen).not.toMatch(/bulkfetch \d+ lines/);
    expect(typed.screen).toContain('bulkfetch summary');
    const asked = await inTerminal(['--procs', '1', '--progress'], { onStart: typing });
    expect(asked.code).toBe(0);
    // Drawn from the start (0 lines until the first answer, which a loaded machine can hold past the 1.5 s).
    expect(asked.screen).toMatch(/bulkfetch \d+ lines \| /);
  });

  it('-d @- at a terminal says it reads the body from it, then sends what was typed', async () => {
    const server = track(await startHttpServer());
    const { screen, code } = await inTerminal(['--procs', '1', '-q', '-d', '@-', `${server.url}/typed`], { typed: 'a=1\n\x04' });
    expect(code).toBe(0);
    expect(screen).toContain('reading -d @- from the terminal (Ctrl-D to end)');
    expect(screen).not.toContain('reading URLs from stdin');
    expect(screen).toContain('"method":"POST","status":200');
    expect(server.requests).toBe(1);
  });

  it('leaves the terminal as a pager set it (| less): Node put back the settings it found at start as bulkfetch ended', async () => {
    const server = track(
      await startHttpServer(async (_req, res, ctx) => {
        if (await ctx.delay(1_500)) res.end('{}');
      }),
    );
    const input = writeTempFile([`${server.url}/slow`]);
    // The reader does what less does once it starts: the terminal raw (no echo, no line editing) until it ends.
    const reader = `sh -c 'sleep 0.5; stty -echo -icanon </dev/tty; cat >/dev/null; echo AFTER=$(stty -a </dev/tty | grep -o -E -- "-?icanon"); stty sane </dev/tty'`;
    for (const args of [[input, '-q'], [input]]) {
      const { screen, code } = await inTerminal(args, { stdoutTo: `| ${reader}` });
      expect([code, /AFTER=(-?icanon)/.exec(screen)?.[1]], args.join(' ')).toEqual([0, '-icanon']);
    }
  });

  it('prints --help, --version and analyze --help once, keeps "Did you mean", shows the --procs default', async () => {
    const help = await inTerminal(['--help']);
    expect(help.screen.match(/Usage: bulkfetch/g)).toHaveLength(1);
    expect(help.screen).toMatch(/--procs <n>\s+child processes \(at most 1024[^\n]*\(default: number of CPUs, a CPU quota counted, here \d+\)/);
    const version = await inTerminal(['--version']);
    expect(version.screen.match(/\d+\.\d+\.\d+/g)).toHaveLength(1);
    const analyze = await inTerminal(['analyze', '--help']);
    expect(analyze.screen.match(/Usage: bulkfetch analyze/g)).toHaveLength(1);
    const typo = await inTerminal(['--concurency', '3']);
    expect(typo.code).toBe(2);
    expect(typo.screen).toContain('Did you mean --concurrency?');
  });
});

describe('what a server sends, shown at a terminal', () => {
  it('C1 controls, DEL and bidi controls in headers, bodies and URLs come out as \\u escapes: the same characters to JSON, none acted on', async () => {
    // A raw server: a header value's byte 0x9B reads as U+009B (Latin-1), CSI in a UTF-8 terminal; the body holds
    // CSI, OSC (a window title), DEL and U+202E, as text and inside a JSON body kept as the server's text.
    const text = 'B\u009b2J\u009d0;pwned\u0007 \u007f C\u202eREVERSED';
    const server = track(await startHttpServer((req, res) => {
      const json = req.url === '/json';
      res.setHeader('content-type', json ? 'application/json' : 'text/plain; charset=utf-8');
      res.end(json ? JSON.stringify({ a: text }) : text);
    }));
    const raw = createNetServer((socket) => socket.once('data', () => socket.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-C1: a'), Buffer.from([0x9b]), Buffer.from('31mRED\r\nConnection: close\r\n\r\nok')]))));
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    track({ close: () => new Promise<void>((resolve) => raw.close(() => resolve())) });
    const rawUrl = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/hdr`;
    const result = await runCli([writeTempFile([`${server.url}/text`, `${server.url}/json`, rawUrl, `${server.url}/\u202eabc`, JSON.stringify({ url: `${server.url}/id`, id: 'x\u009by' })]), '-q', '--ordered']);
    expect(result.code).toBe(0);
    // Nothing a terminal acts on in the bytes written.
    expect(result.stdout).not.toMatch(/[\u007f-\u009f\u202a-\u202e]/);
    expect(result.stdout).toContain('\\u009b2J');
    // Read back, each is the server's exact text.
    const [plain, json, header, url, id] = result.lines;
    expect(plain?.body).toBe(text);
    expect(json?.body).toEqual({ a: text });
    expect(header?.headers?.['x-c1']).toBe('a\u009b31mRED');
    expect(url?.error?.code ?? url?.status).toBeDefined();
    expect(id?.id).toBe('x\u009by');
  });
});

it('script(1) is available for these tests', () => {
  expect(existsSync('/usr/bin/script') || existsSync('/bin/script')).toBe(true);
});
