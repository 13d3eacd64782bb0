// Mistakes found before anything is sent (issue 11): -o or --summary naming the
// input, an unwritable --summary, contradictory flags, --procs far above the CPUs.
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cleanupAfterEach, CLI_PATH, runCli, startHttpServer, tempDir, testCert, writeTempFile } from '../helpers/index.js';
import { writeFileSync } from 'node:fs';

const track = cleanupAfterEach();

async function inputIn(dir: string): Promise<{ server: Awaited<ReturnType<typeof startHttpServer>>; input: string; text: string }> {
  const server = track(await startHttpServer());
  const input = join(dir, 'urls.txt');
  const text = `${server.url}/a\n${server.url}/b\n`;
  writeFileSync(input, text);
  return { server, input, text };
}

function shell(command: string): { code: number | null; stderr: string } {
  const run = spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8', timeout: 20_000 });
  return { code: run.status, stderr: run.stderr };
}

describe('-o naming the input', () => {
  it.each(['same name', 'symlink', 'hard link', 'stdin redirected from it'])('is a usage error through a %s, nothing written or sent', async (how) => {
    const dir = tempDir();
    const { server, input, text } = await inputIn(dir);
    let target = input;
    if (how === 'symlink') symlinkSync(input, (target = join(dir, 'link.txt')));
    if (how === 'hard link') linkSync(input, (target = join(dir, 'hard.txt')));
    // For stdin, a shell redirects fd 0 from the file itself, as `bulkfetch -o urls.txt < urls.txt` does.
    const result =
      how === 'stdin redirected from it'
        ? shell(`exec "${process.execPath}" "${CLI_PATH}" - -o "${input}" < "${input}"`)
        : await runCli([input, '-o', target]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is the input file/);
    expect(readFileSync(input, 'utf8')).toBe(text);
    expect(server.requests).toBe(0);
  });
});

describe('-o or --summary naming a file a flag reads', () => {
  it('is a usage error, the file kept and nothing sent: -b cookies.txt -o cookies.txt emptied the cookies after one run', async () => {
    const dir = tempDir();
    const { server, input } = await inputIn(dir);
    const cookies = join(dir, 'cookies.txt');
    const body = join(dir, 'body.json');
    const headers = join(dir, 'headers.txt');
    const kept = { [cookies]: '127.0.0.1\tFALSE\t/\tFALSE\t0\ta\tb\n', [body]: '{"a":1}\n', [headers]: 'X-A: 1\n' };
    for (const [path, text] of Object.entries(kept)) writeFileSync(path, text);
    symlinkSync(body, join(dir, 'body-link.json'));
    for (const [args, said] of [
      [['-b', cookies, '-o', cookies], `-o "${cookies}" is the file -b ${cookies} reads`],
      [['-d', `@${join(dir, 'body-link.json')}`, '-o', body], `-o "${body}" is the file -d @${join(dir, 'body-link.json')} reads`],
      [['-T', body, '--summary', body, '-o', join(dir, 'out.ndjson')], `--summary "${body}" is the file -T ${body} reads`],
      [['-H', `@${headers}`, '-o', headers], `-o "${headers}" is the file --header @${headers} reads`],
    ] as const) {
      const result = await runCli([input, ...args]);
      expect([result.code, result.stderr]).toEqual([2, `bulkfetch: ${said}: writing it would destroy it; choose another file\n`]);
    }
    // Read through stdin redirected from it: the same file.
    const fromStdin = await runCli([input, '-d', '@-', '-o', body], { via: ['sh', '-c', `exec "$@" < "${body}"`, 'sh'] });
    expect([fromStdin.code, fromStdin.stderr]).toEqual([2, `bulkfetch: -o "${body}" is the file -d @- reads: writing it would destroy it; choose another file\n`]);
    for (const [path, text] of Object.entries(kept)) expect(readFileSync(path, 'utf8')).toBe(text);
    expect(server.requests).toBe(0);
    // Added to, not emptied: -o /dev/stdout >> body.json is left to the user, as the same redirect without -o is.
    expect((await runCli([input, '-q', '-d', `@${body}`, '-o', '/dev/stdout'], { via: ['sh', '-c', `exec "$@" >> "${body}"`, 'sh'] })).code).toBe(0);
    expect(readFileSync(body, 'utf8').split('\n')).toHaveLength(4);
  });
});

describe('-o naming stdout or another descriptor', () => {
  it('adds to the file a >> redirect gave it, as the redirect asks: -o /dev/stdout emptied the lines an earlier run wrote there', async () => {
    const dir = tempDir();
    const { input } = await inputIn(dir);
    const log = join(dir, 'log.jsonl');
    // A symlink to /dev/stdout names it too.
    const link = join(dir, 'out-link');
    symlinkSync('/dev/stdout', link);
    for (const target of [undefined, '/dev/stdout', '/proc/self/fd/1', link]) {
      const result = await runCli([input, '-q', ...(target ? ['-o', target] : [])], { via: ['sh', '-c', `exec "$@" >> "${log}"`, 'sh'] });
      expect(result.code, target).toBe(0);
    }
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(8);
    const errors = join(dir, 'err.jsonl');
    writeFileSync(errors, 'before\n');
    expect((await runCli([input, '-q', '-o', '/dev/stderr'], { via: ['sh', '-c', `exec "$@" 2>> "${errors}"`, 'sh'] })).code).toBe(0);
    expect(readFileSync(errors, 'utf8').trim().split('\n')).toHaveLength(3);
    // Into a pipe, -o /dev/stdout is stdout's own stream.
    expect((await runCli([input, '-q', '-o', '/dev/stdout'])).lines).toHaveLength(2);
    // Added to, the file holds another run's lines: --resume took them for this input's and skipped records (exit 0).
    const resumed = await runCli([input, '-q', '-o', '/dev/stdout', '--resume'], { via: ['sh', '-c', `exec "$@" >> "${log}"`, 'sh'] });
    expect([resumed.code, resumed.stderr]).toEqual([2, 'bulkfetch: Cannot resume with -o "/dev/stdout": it is a descriptor (the file a redirect gave it, which may hold another run\'s lines); give -o FILE for --resume\n']);
    expect(existsSync(`${log}.resume.json`)).toBe(false);
  });
});

describe('a descriptor named while the messages go into the same file', () => {
  // Opened again by its name, /dev/stdout was a file description of its own: the results went from offset 0 on,
  // and the summary, written through fd 2 at the redirect's offset (still 0), over them.
  const resultLines = (text: string): unknown[] => text.split('\n').filter((line) => line.startsWith('{"line"')).map((line) => JSON.parse(line));

  it('-o /dev/stdout >out 2>&1 and -o /dev/stderr 2>err keep every result line whole beside the summary', async () => {
    const dir = tempDir();
    const { input } = await inputIn(dir);
    const both = join(dir, 'both.txt');
    expect((await runCli([input, '-o', '/dev/stdout', '--no-progress'], { via: ['sh', '-c', `exec "$@" > "${both}" 2>&1`, 'sh'] })).code).toBe(0);
    const bothText = readFileSync(both, 'utf8');
    expect(resultLines(bothText)).toHaveLength(2);
    expect(bothText).toMatch(/^bulkfetch summary$/m);
    const errors = join(dir, 'err.txt');
    expect((await runCli([input, '-o', '/dev/stderr', '--no-progress'], { via: ['sh', '-c', `exec "$@" 2> "${errors}" > /dev/null`, 'sh'] })).code).toBe(0);
    const errorsText = readFileSync(errors, 'utf8');
    expect(resultLines(errorsText)).toHaveLength(2);
    expect(errorsText).toMatch(/^bulkfetch summary$/m);
  });

  it('--summary /dev/stderr 2>err writes the JSON summary whole beside the human one', async () => {
    const dir = tempDir();
    const { input } = await inputIn(dir);
    const errors = join(dir, 'err.txt');
    expect((await runCli([input, '-o', '/dev/null', '--summary', '/dev/stderr', '--no-progress'], { via: ['sh', '-c', `exec "$@" 2> "${errors}"`, 'sh'] })).code).toBe(0);
    const text = readFileSync(errors, 'utf8');
    const json = text.slice(text.indexOf('{'), text.indexOf('\n}\n') + 2);
    expect(JSON.parse(json)).toMatchObject({ records: 2 });
    expect(text.replace(json, '')).toMatch(/^bulkfetch summary\n  records     2 = 2 sent/m);
  });
});

describe('stdout redirected to the input file', () => {
  it('is a usage error, as cat says "input file is output file": bulkfetch urls.txt >> urls.txt read its own lines back, without end', async () => {
    const dir = tempDir();
    const { server, input, text } = await inputIn(dir);
    const elsewhere = join(dir, 'elsewhere.jsonl');
    const summarized = shell(`exec "${process.execPath}" "${CLI_PATH}" "${input}" -o "${elsewhere}" --summary - >> "${input}"`);
    expect([summarized.code, summarized.stderr]).toEqual([2, 'bulkfetch: stdout is the input file (> or >> to it), and --summary - writes the summary there: its JSON would be added to the input; send stdout to another file\n']);
    for (const command of [`"${input}" >> "${input}"`, `- < "${input}" >> "${input}"`, `"${input}" -o - >> "${input}"`, `"${input}" -o /dev/stdout >> "${input}"`]) {
      const result = shell(`exec "${process.execPath}" "${CLI_PATH}" ${command}`);
      expect([result.code, result.stderr], command).toEqual([2, 'bulkfetch: stdout is the input file (> or >> to it): the result lines would be read back as records, without end; send them to another file\n']);
    }
    expect(readFileSync(input, 'utf8')).toBe(text);
    expect(server.requests).toBe(0);
    // Another file, appended to, is the usual run.
    const other = join(dir, 'results.jsonl');
    // Through runCli: a spawnSync would block this process, and the server in it could not answer.
    expect((await runCli([input, '-q'], { via: ['sh', '-c', `exec "$@" >> "${other}"`, 'sh'] })).code).toBe(0);
    expect(readFileSync(other, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('-o /dev/stdin is a usage error: a piped input took its result lines back as records, without end; an input named /dev/stdin reads stdin as - does', async () => {
    const dir = tempDir();
    const { server, input } = await inputIn(dir);
    const link = join(dir, 'in-link');
    symlinkSync('/dev/stdin', link);
    for (const command of [`/dev/stdin -o /dev/stdin < "${input}"`, `-o /dev/stdin < "${input}"`, `"${link}" -o "${link}" < "${input}"`, `"${input}" --summary /dev/stdin < /dev/null`]) {
      const result = shell(`exec "${process.execPath}" "${CLI_PATH}" ${command}`);
      expect([result.code, result.stderr], command).toEqual([2, expect.stringMatching(/^bulkfetch: (-o|--summary) "[^"]+" is stdin, where input is read from: .*\n$/)]);
    }
    // -d @/dev/stdin beside an input that is stdin by another name read the input as the body: 0 records, exit 0.
    for (const command of [`/dev/stdin -d @/dev/stdin < "${input}"`, `"${link}" -d @/dev/stdin < "${input}"`]) {
      const result = shell(`exec "${process.execPath}" "${CLI_PATH}" ${command}`);
      expect([result.code, result.stderr], command).toEqual([2, 'bulkfetch: -d @/dev/stdin read stdin as the body, and stdin is the input too: name the input file, or give the URLs as arguments\n']);
    }
    expect(server.requests).toBe(0);
  });
});

describe('a closed stdout (>&-)', () => {
  it('is a usage error when the results (or --summary -) would go there, run as an installed bin is; -o FILE runs', async () => {
    const dir = tempDir();
    const { server, input } = await inputIn(dir);
    // Executed, not given to node: the kernel starts it with /bin/sh, as an installed bin; its stdout closed by a shell.
    const closedStdout = { asBin: true, via: ['sh', '-c', 'exec "$@" >&-', 'sh'] };
    const closed = await runCli([input], closedStdout);
    expect([closed.code, closed.stderr]).toEqual([2, 'bulkfetch: stdout is closed (>&-), and the result lines would be lost: give -o FILE, or > /dev/null to discard them\n']);
    const summary = await runCli([input, '-o', join(dir, 'a.jsonl'), '--summary', '-'], closedStdout);
    expect([summary.code, summary.stderr]).toEqual([2, 'bulkfetch: stdout is closed (>&-), and the summary would be lost: give --summary FILE, or > /dev/null to discard it\n']);
    // Stdout by another name: every line went to the /dev/null Node opened in its place, exit 0.
    for (const [flag, name] of [['-o', '/dev/stdout'], ['-o', '/dev/fd/1'], ['-o', '/proc/self/fd/1'], ['--summary', '/dev/stdout']]) {
      const named = await runCli([input, ...(flag === '-o' ? [] : ['-o', join(dir, 'c.jsonl')]), flag as string, name as string], closedStdout);
      expect([named.code, named.stderr], name).toEqual([2, `bulkfetch: stdout is closed (>&-), and the ${flag === '-o' ? 'result lines' : 'summary'} would be lost: give ${flag === '-o' ? '-o FILE' : '--summary FILE'}, or > /dev/null to discard ${flag === '-o' ? 'them' : 'it'}\n`]);
    }
    expect(server.requests).toBe(0);
    const toFile = await runCli([input, '-o', join(dir, 'b.jsonl'), '-q'], closedStdout);
    expect([toFile.code, toFile.stderr]).toEqual([0, '']);
    expect(readFileSync(join(dir, 'b.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    // Discarded on purpose is not closed.
    const discarded = await runCli([input, '-q'], { asBin: true, via: ['sh', '-c', 'exec "$@" > /dev/null', 'sh'] });
    expect([discarded.code, discarded.stderr]).toEqual([0, '']);
    // analyze's report goes to stdout alone.
    const analyzed = await runCli(['analyze', input], closedStdout);
    expect([analyzed.code, analyzed.stderr]).toEqual([2, 'bulkfetch: stdout is closed (>&-), and the report would be lost: run it with stdout open\n']);
  });
});

describe('a closed stdin (<&-)', () => {
  it('is a usage error when the input is read from it, as curl says "no URL specified"; URL arguments and a file run', async () => {
    const dir = tempDir();
    const { server, input } = await inputIn(dir);
    // Node opened /dev/null in its place: no records, exit 0 (a cron line whose list variable was empty).
    const closedStdin = { asBin: true, via: ['sh', '-c', 'exec "$@" <&-', 'sh'] };
    for (const args of [['-q'], ['-', '-q'], ['/dev/stdin', '-q']]) {
      const closed = await runCli(args, closedStdin);
      expect([closed.code, closed.stderr], args.join(' ')).toEqual([2, 'bulkfetch: stdin is closed (<&-), and the input is read from it: give a file of URLs, or URLs as arguments (< /dev/null for an input of none)\n']);
    }
    // A flag's @- too: an empty body went to every URL.
    const body = await runCli([input, '-q', '-d', '@-'], closedStdin);
    expect([body.code, body.stderr]).toEqual([2, 'bulkfetch: -d @- reads stdin, which is closed (<&-): name a file, or give the value as an argument\n']);
    const fromFile = await runCli([input, '-q'], closedStdin);
    expect([fromFile.code, fromFile.lines.length]).toEqual([0, 2]);
    const empty = await runCli(['-q'], { asBin: true, via: ['sh', '-c', 'exec "$@" < /dev/null', 'sh'] });
    expect([empty.code, empty.lines.length]).toEqual([0, 0]);
    expect(server.requests).toBe(2);
  });
});

describe('--summary', () => {
  it('is checked before the run: an unwritable path exits 2 and sends nothing', async () => {
    const dir = tempDir();
    const { server, input } = await inputIn(dir);
    for (const summary of [join(dir, 'missing-dir', 's.json'), dir, input]) {
      const result = await runCli([input, '--summary', summary, '-q']);
      expect(result.code, summary).toBe(2);
      expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(result.stderr).not.toContain('internal error');
    }
    expect(server.requests).toBe(0);
  });

  it('naming the -o file is a usage error, before either is written: the summary would replace every result line', async () => {
    const dir = tempDir();
    const { server, input } = await inputIn(dir);
    symlinkSync(dir, join(dir, 'here'));
    const output = join(dir, 'out.ndjson');
    // Neither file there yet, as on a first run; the same file by another spelling and through a symlinked directory.
    // And through a link to it, either way round: -o or --summary a symlink to the other, not made yet.
    const link = join(dir, 'link.ndjson');
    symlinkSync(output, link);
    const given: Array<[string, string]> = [[output, output], [output, join(dir, '.', 'out.ndjson')], [output, join(dir, 'here', 'out.ndjson')], [output, link], [link, output]];
    for (const [out, summary] of given) {
      const result = await runCli([input, '-o', out, '--summary', summary, '-q']);
      expect(result.code, `${out} ${summary}`).toBe(2);
      expect(result.stderr).toMatch(/is also the -o file; choose another file/);
    }
    // There already, as on a run again.
    writeFileSync(output, '');
    expect((await runCli([input, '-o', output, '--summary', join(dir, 'here', 'out.ndjson'), '-q'])).code).toBe(2);
    expect(server.requests).toBe(0);
    const apart = await runCli([input, '-o', output, '--summary', join(dir, 'summary.json'), '-q']);
    expect(apart.code).toBe(0);
    expect(readFileSync(output, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('naming stdout (/dev/stdout) while the results go there is a usage error: its JSON would land among their lines', async () => {
    const { server, input } = await inputIn(tempDir());
    const result = await runCli([input, '--summary', '/dev/stdout', '-q']);
    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toMatch(/^bulkfetch: --summary "\/dev\/stdout" is stdout, which carries the result lines here/);
    expect(server.requests).toBe(0);
  });

  it('-o /dev/stdout with --summary - is a usage error: -o is stdout by another name, and the summary would land among the lines', async () => {
    const { server, input } = await inputIn(tempDir());
    const result = await runCli([input, '-o', '/dev/stdout', '--summary', '-', '-q']);
    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toBe('bulkfetch: --summary - writes the summary to stdout, which -o "/dev/stdout" is too: give -o another file, or --summary FILE\n');
    // stdout a file (> FILE): named as written, not as the file behind it.
    const redirected = shell(`${JSON.stringify(process.execPath)} ${JSON.stringify(CLI_PATH)} ${JSON.stringify(input)} -o /dev/stdout --summary - -q > ${JSON.stringify(join(tempDir(), 'out.txt'))}`);
    expect(redirected).toEqual({ code: 2, stderr: 'bulkfetch: --summary - writes the summary to stdout, which -o "/dev/stdout" is too: give -o another file, or --summary FILE\n' });
    expect(server.requests).toBe(0);
  });
});

describe('contradictory flags', () => {
  it('-q with --progress is a usage error', async () => {
    const dir = tempDir();
    const { server, input } = await inputIn(dir);
    const result = await runCli([input, '-q', '--progress']);
    expect(result.code).toBe(2);
    expect(server.requests).toBe(0);
  });

  it('a flag without effect runs with one warning line', async () => {
    const dir = tempDir();
    const { input } = await inputIn(dir);
    const key = writeTempFile(testCert().key, 'key.pem');
    const result = await runCli([input, '--no-cache', '--cache-size', '5', '--reorder-buffer', '8', '--max-redirects', '3', '--key', key, '-q', '--procs', '1']);
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(2);
    const warnings = result.stderr.split('\n').filter(Boolean);
    expect(warnings).toHaveLength(4);
    for (const flag of ['--cache-size', '--reorder-buffer', '--max-redirects', '--key']) expect(warnings.some((w) => w.startsWith('bulkfetch: warning: ') && w.includes(flag))).toBe(true);
  });

  it('a usage error after a flag without effect is still one line: the warning waits until every check passed', async () => {
    const dir = tempDir();
    const { input, server } = await inputIn(dir);
    for (const args of [
      [input, '--max-redirects', '3', '-o', join(dir, 'missing', 'out.jsonl')],
      [join(dir, 'missing.txt'), '--max-redirects', '3'],
      [input, '--reorder-buffer', '5', '--summary', join(dir, 'missing', 'sum.json')],
      [input, '--max-redirects', '3', '-o', input],
    ]) {
      const result = await runCli([...args, '--procs', '1']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^bulkfetch: (?!warning)[^\n]+\n$/);
    }
    expect(server.requests).toBe(0);
  });

  it('a usage error echoes DEL and C1 controls of a path or flag as \\u escapes, never the bytes to the terminal', async () => {
    const missing = await runCli([`nofile\u007f\u009b.txt`]);
    expect([missing.code, missing.stderr]).toEqual([2, 'bulkfetch: Cannot read input "nofile\\u007f\\u009b.txt": no such file\n']);
    const flag = await runCli(['--bogus\u007f', 'http://127.0.0.1:9/']);
    expect(flag.stderr).toBe("bulkfetch: unknown option '--bogus\\u007f'\n");
  });

  it("-e ';auto' without -L, and --retry-delay with --retries 0, warn as flags without effect (not --retry-all-methods: it decides what --resume sends again)", async () => {
    const dir = tempDir();
    const { input } = await inputIn(dir);
    const result = await runCli([input, '-e', ';auto', '--retries', '0', '--retry-all-methods', '--retry-delay', '1s', '-q', '--procs', '1']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("bulkfetch: warning: -e ';auto' has no effect without -L/--follow: it is the Referer of each redirect followed\nbulkfetch: warning: --retry-delay has no effect with --retries 0\n");
    // Named as typed: curl's --retry.
    const curlName = await runCli([input, '--retry', '0', '--retry-delay', '1', '-q', '--procs', '1']);
    expect(curlName.stderr).toBe('bulkfetch: warning: --retry-delay has no effect with --retry 0\n');
  });

  it("a usage error that echoes a proxy or URL shows its password as ***, from a flag or the environment", async () => {
    const flag = await runCli(['-x', 'socks4://u:pw5ecret@127.0.0.1:1', 'http://127.0.0.1:9/x']);
    const env = await runCli(['https://127.0.0.1:9/x'], { env: { https_proxy: 'socks4://u:pw5ecret@127.0.0.1:1' } });
    const unparsed = await runCli(['https://127.0.0.1:9/x'], { env: { https_proxy: 'http://u:pw5/ecret@127.0.0.1:1' } });
    expect(unparsed.stderr).toContain('http://u:***@127.0.0.1:1');
    expect(unparsed.stderr).toContain('is written %2F');
    expect(unparsed.stderr).not.toContain('ecret');
    const glob = await runCli(['http://u:pw5ecret@127.0.0.1:9/[1-']);
    for (const run of [flag, env, glob]) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('u:***@127.0.0.1');
      expect(run.stderr).not.toContain('pw5ecret');
    }
    // Nor a curl flag's value given with = (--proxy-user=bob:pw), nor a bad Authorization header's.
    // Nor a password that stops the URL from parsing (a / in it), nor -b's cookie pairs.
    for (const args of [['--proxy-user=bob:pw5ecret'], ['-Ubob:pw5ecret'], ['--oauth2-bearer=pw5ecret'], ['-H', 'Authorization: Bearer pw5ecret\u0001'], ['-x', 'http://u:pw5ecret%X9@h:1'],
      ['-x', 'http://u:pw5/ecret@127.0.0.1:1'], ['-x', 'u:pw5#ecret@127.0.0.1:1'], ['-b', 'sid=pw5ecret\u0001'],
      // A quote or a space in it, and digits before its / (read as a port, then a path).
      ['-x', 'http://u:p"w5/ecret@127.0.0.1:1'], ['-x', 'http://u:pw5/ec ret@127.0.0.1:1'], ['-x', 'http://u:1234/pw5ecret@127.0.0.1:1'],
      // A credential header with its colon forgotten, and -u with an API key and no colon.
      ['-H', 'Authorization Bearer pw5ecret'], ['-H', 'cookie=pw5ecret'], ['-u', 'sk_live_pw5ecret']]) {
      const run = await runCli(['http://127.0.0.1:9/x', ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).not.toContain('pw5ecret');
      expect(run.stderr, args.join(' ')).not.toMatch(/ec ?ret/);
      if (args[0] === '-x' && /[54]\//.test(args[1] ?? '')) expect(run.stderr, args.join(' ')).toContain('is written %2F');
    }
    expect((await runCli(['http://127.0.0.1:9/x', '--proxy-user=bob:pw5ecret'])).stderr).toMatch(/^bulkfetch: unknown option '--proxy-user=\.\.\.': a curl flag/);
  });

  it('--summary or --save given twice with two places is a usage error, as -o is: the last would have won without a word', async () => {
    const dir = tempDir();
    const { input, server } = await inputIn(dir);
    const summary = await runCli([input, '--summary', join(dir, 'a.json'), '--summary', join(dir, 'b.json')]);
    expect(summary.code).toBe(2);
    expect(summary.stderr).toMatch(/^bulkfetch: --summary given twice \(.*a\.json", ".*b\.json"\): it names one file; give one\n$/);
    const save = await runCli([input, '--save', dir, '--save', mkdtempSync(join(tmpdir(), 'bulkfetch-save-'))]);
    expect(save.code).toBe(2);
    expect(save.stderr).toMatch(/^bulkfetch: --save given twice/);
    // Relative, both shown resolved (the first was, the second as typed).
    mkdirSync(join(dir, 's1'));
    mkdirSync(join(dir, 's2'));
    const relative = await runCli([input, '--save', 's1', '--save', 's2'], { cwd: dir });
    expect(relative.stderr).toBe(`bulkfetch: --save given twice (${JSON.stringify(join(dir, 's1'))}, ${JSON.stringify(join(dir, 's2'))}): it names one directory; give one\n`);
    expect(server.requests).toBe(0);
    // The same place twice (an alias's and the command line's) is one.
    expect((await runCli([input, '-q', '--summary', join(dir, 'c.json'), '--summary', join(dir, '.', 'c.json')])).code).toBe(0);
  });

  it.runIf(availableParallelism() <= 8)('--procs above 4x the CPUs runs and warns once with the CPU count', async () => {
    const dir = tempDir();
    const { input } = await inputIn(dir);
    const cpus = availableParallelism();
    const result = await runCli([input, '--procs', String(4 * cpus + 1), '-q']);
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(2);
    expect(result.stderr.match(/warning: --procs/g)).toHaveLength(1);
    expect(result.stderr).toContain(`${cpus} CPUs`);
  });

  it('--parallel-max that --procs does not divide runs the equal parts and says how many in all', async () => {
    const { input } = await inputIn(tempDir());
    const uneven = await runCli([input, '--parallel-max', '3', '--procs', '2', '-q']);
    expect([uneven.code, uneven.lines.length]).toEqual([0, 2]);
    expect(uneven.stderr).toBe('bulkfetch: warning: --parallel-max 3 over --procs 2 is 1 in flight a process, 2 in all: give a --procs that divides it to run 3\n');
    const even = await runCli([input, '--parallel-max', '4', '--procs', '2', '-q']);
    expect(even.stderr).toBe('');
  });
});

describe('an address-space limit (ulimit -v, a batch system memory cap)', () => {
  it('still lets children parse HTTP/1.1: undici reserves ~10 GB of address space for its WebAssembly parser', async () => {
    const server = track(await startHttpServer());
    // 4 GB: every request was EUNKNOWN "WebAssembly.Instance(): Out of memory" (up to at least 8 GB), where curl ran.
    const result = await runCli([writeTempFile([`${server.url}/a`, `${server.url}/b`, `${server.url}/c`]), '-q', '--procs', '2'], { via: ['prlimit', '--as=4000000000'] });
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.lines.map((line) => [line.status, line.error]).sort()).toEqual([[200, null], [200, null], [200, null]]);
  });

  it("starts children with a thread pool that fits: a gzip body started libuv's pool, and a child of 256 threads died of SIGABRT", async () => {
    // 200 KB bodies, gzip, many at once: with a pool of 16 on Node 24 some ended EPROTOCOL "Zlib error" (zlib could not allocate).
    const body = 'abcdefgh'.repeat(25_000);
    const gzipped = gzipSync(body);
    const server = track(await startHttpServer((_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' }).end(gzipped), 20);
    }));
    const urls = Array.from({ length: 400 }, (_, i) => `${server.url}/g${i}`);
    const result = await runCli([writeTempFile(urls), '-q', '--procs', '2', '--concurrency', '200', '--max-body', '1M'], { via: ['prlimit', '--as=4000000000'], timeoutMs: 60_000 });
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.lines.filter((line) => line.status !== 200 || line.body !== body).map((line) => line.error)).toEqual([]);
    expect(result.lines).toHaveLength(400);
  }, 70_000);
});

describe('the environment bulkfetch runs in', () => {
  it('a working directory removed since the shell went into it: one line and exit 2, not an internal error with a trace', async () => {
    const server = track(await startHttpServer());
    // -o names a file relative to a directory that is gone: resolving it threw ENOENT uv_cwd.
    const inGone = ['sh', '-c', 'mkdir gone && cd gone && rmdir ../gone && exec "$@"', 'sh'];
    const result = await runCli([`${server.url}/a`, '-o', 'out.ndjson'], { via: inGone, cwd: tempDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^(sh: .*getcwd.*\n)?bulkfetch: The current directory no longer exists \(it was removed after the shell went into it\), so no relative path can be read or written: cd to one that exists, or give absolute paths\n$/);
    expect(server.requests).toBe(0);
  });

  it('NODE_OPTIONS=--jitless (no WebAssembly, which undici parses HTTP/1.1 with): exit 2 and why, not a line EUNKNOWN a record', async () => {
    const server = track(await startHttpServer());
    const result = await runCli([`${server.url}/a`, `${server.url}/b`], { env: { NODE_OPTIONS: '--jitless' } });
    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toContain("bulkfetch: Node runs without WebAssembly here (--jitless or --no-expose-wasm, in NODE_OPTIONS or on node's command line)");
    expect(server.requests).toBe(0);
  });

  it("Node's permission model without --allow-child-process: exit 2 and the flag to add, not Node's trace", async () => {
    const permission = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
    const result = await runCli(['http://127.0.0.1:9/a'], { env: { NODE_OPTIONS: `${permission} --allow-fs-read=*` } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("bulkfetch: Node's permission model (--permission or --experimental-permission) forbids child processes, and bulkfetch sends its requests from child processes: add --allow-child-process\n");
    expect(result.stderr).not.toMatch(/\n +at /);
  });

  it('-o past the limit on file size (ulimit -f): the remedy names that limit, not free space or permissions', async () => {
    const server = track(await startHttpServer());
    const input = writeTempFile(Array.from({ length: 300 }, (_, i) => `${server.url}/r${i}`));
    const output = join(tempDir(), 'out.ndjson');
    const result = await runCli([input, '-o', output, '-q', '--procs', '1'], { via: ['prlimit', '--fsize=20000'] });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^bulkfetch: cannot write output ".*out\.ndjson": EFBIG; the run was stopped and later results are missing; raise the limit on file size \(ulimit -f\) or write to a file system that takes larger files, then run the same command with --resume to continue\n$/);
  });
});
