// Input that tries to make the runner misbehave: each bad line is one error record
// with a stable code, nothing local is read, and valid records beside them succeed.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CLI_PATH, cleanupAfterEach, runCli, startHttpServer, tempDir, writeTempFile } from '../helpers/index.js';

const track = cleanupAfterEach();

describe('hostile input', () => {
  it('answers every hostile line with one error record and still fetches the valid ones', async () => {
    const server = track(await startHttpServer());
    const secret = writeTempFile('top secret\n', 'secret.txt');
    const ok = (name: string): string => `${server.url}/${name}`;
    const cases: Array<[string | Buffer, string | null]> = [
      [Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x9c, 0x80]), 'EINVALIDURL'],
      [`http://exa\0mple.com/`, 'EINVALIDURL'],
      ['x'.repeat(3 * 1024 * 1024), 'ELINETOOLONG'],
      [`file://${secret}`, 'EUNSUPPORTEDSCHEME'],
      ['data:text/plain,hello', 'EUNSUPPORTEDSCHEME'],
      ['javascript:alert(1)', 'EUNSUPPORTEDSCHEME'],
      ['ftp://127.0.0.1/x', 'EUNSUPPORTEDSCHEME'],
      ['http://', 'EINVALIDURL'],
      ['not a url at all', 'EINVALIDURL'],
      ['{"url": ', 'EINVALIDSPEC'],
      ['{"url": 42}', 'EINVALIDSPEC'],
      [JSON.stringify({ url: ok('h'), headers: { 'x-a': 'v\r\nInjected: 1' } }), 'EINVALIDHEADER'],
      [JSON.stringify({ url: ok('h'), headers: { 'x-a': 'v\nInjected: 1' } }), 'EINVALIDHEADER'],
      [JSON.stringify({ url: ok('m'), method: 'GE T' }), 'EINVALIDMETHOD'],
      [JSON.stringify({ url: ok('m'), method: 'CONNECT' }), 'EINVALIDMETHOD'],
      [`${ok('crlf')}\r`, null],
      [`${ok('lone')}\rhttp://127.0.0.1:1/`, 'EINVALIDURL'], // a lone CR does not split the line, and a URL with whitespace is refused, not joined
      [ok('plain'), null],
    ];
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    // A comment line first, longer than the head a named file is checked in for a NUL (a binary file is a
    // usage error): the NUL bytes below are each a line's, answered on their own.
    const pastHead = Buffer.from(`#${'-'.repeat(8000)}\n`);
    const body = Buffer.concat([bom, pastHead, ...cases.map(([text]) => Buffer.concat([Buffer.from(text), Buffer.from('\n')]))]);
    const result = await runCli([writeTempFile(body), '--procs', '2'], { timeoutMs: 30_000 });
    expect(result.code).toBe(0);
    expect(result.nonJson).toEqual([]);
    expect(result.lines).toHaveLength(cases.length);
    const byLine = new Map(result.lines.map((l) => [l.line as number, l]));
    cases.forEach(([, code], i) => {
      const record = byLine.get(i + 2);
      if (code === null) expect({ line: i + 2, status: record?.status }).toEqual({ line: i + 2, status: 200 });
      else expect({ line: i + 2, code: record?.error?.code }).toEqual({ line: i + 2, code });
    });
    // The BOM did not spoil the first line (a comment, else a record more), and the injected header never reached the server.
    expect(server.log.some((r) => 'injected' in r.headers)).toBe(false);
    expect(JSON.stringify(result.lines)).not.toContain('top secret');
    // One output line is far below the 3 MiB input line: it was never echoed.
    expect(Math.max(...result.stdout.split('\n').map((l) => l.length))).toBeLessThan(64 * 1024);
  });
});

describe('a list saved as UTF-16', () => {
  it("Windows PowerShell's `>` (UTF-16LE with a byte order mark) is read as the URLs it holds, through the cache plan too", async () => {
    const server = await track(startHttpServer());
    const text = [`${server.url}/a`, `${server.url}/b`, `${server.url}/a`, '# note', `${server.url}/é`].join('\r\n') + '\r\n';
    const input = writeTempFile(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const result = await runCli([input, '-q', '--procs', '1', '--cache', 'auto']);
    expect(result.code).toBe(0);
    const byLine = new Map(result.lines.map((l) => [l.line as number, l]));
    expect([...byLine.keys()].sort()).toEqual([1, 2, 3, 5]);
    expect(byLine.get(1)).toMatchObject({ url: `${server.url}/a`, status: 200 });
    expect(byLine.get(5)).toMatchObject({ url: `${server.url}/%C3%A9`, status: 200 });
    // The plan pass read the same lines: the repeat of /a was answered by the cache.
    expect(byLine.get(3)?.cached).toBe(true);
    expect(server.requests).toBe(3);
  });
});

describe('a list saved as UTF-16 that does not decode', () => {
  it('refuses a line holding half a surrogate pair alone or an odd last byte, little- or big-endian, where U+FFFD was sent or the byte dropped', async () => {
    const server = await track(startHttpServer());
    const lone = Buffer.from([0x3d, 0xd8]);
    const units = (text: string) => Buffer.from(text, 'utf16le');
    const little = Buffer.concat([Buffer.from([0xff, 0xfe]), units(`${server.url}/a`), lone, units(`\n${server.url}/ok\n{"url":"${server.url}/s","id":"`), lone, units(`"}\n${server.url}/b`), Buffer.from([0x62])]);
    const big = Buffer.concat([Buffer.from(little.subarray(0, little.length - 1)).swap16(), Buffer.from([0x00])]);
    for (const encoded of [little, big]) {
      const result = await runCli([writeTempFile(encoded), '-q', '--procs', '1', '--ordered', '--cache', 'off']);
      expect(result.code).toBe(0);
      expect(result.lines.map((line) => [line.line, line.error?.code ?? line.status])).toEqual([[1, 'EINVALIDURL'], [2, 200], [3, 'EINVALIDSPEC'], [4, 'EINVALIDURL']]);
      expect(result.lines[0]?.error?.message).toMatch(/^Not valid UTF-16/);
    }
    expect(server.requests).toBe(2);
  });
});

describe('a list that is not UTF-8', () => {
  it('sends a Latin-1 URL with its bytes as they were (%XX, never U+FFFD), through the cache plan too, and refuses such a JSON spec', async () => {
    const server = track(await startHttpServer());
    const latin1 = Buffer.concat([Buffer.from(`${server.url}/caf`), Buffer.from([0xe9]), Buffer.from('?q='), Buffer.from([0xff])]);
    const spec = Buffer.concat([Buffer.from(`{"url":"${server.url}/s","method":"POST","body":"caf`), Buffer.from([0xe9]), Buffer.from('"}')]);
    const lines = [latin1, Buffer.from(`${server.url}/café`), latin1, spec];
    const input = writeTempFile(Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')])));
    const result = await runCli([input, '-q', '--procs', '2', '--cache', 'auto']);
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(4);
    const byLine = new Map(result.lines.map((l) => [l.line as number, l]));
    expect(byLine.get(1)).toMatchObject({ url: `${server.url}/caf%E9?q=%FF`, status: 200 });
    expect(byLine.get(2)).toMatchObject({ url: `${server.url}/caf%C3%A9`, status: 200 });
    // The pass over the file read line 3 as the run did: the same request, answered from the cache.
    expect(byLine.get(3)).toMatchObject({ url: `${server.url}/caf%E9?q=%FF`, status: 200, cached: true });
    expect(byLine.get(4)).toMatchObject({ status: null, error: { code: 'EINVALIDSPEC', message: expect.stringMatching(/^Not UTF-8/) } });
    expect(server.log.map((r) => r.url).sort()).toEqual(['/caf%C3%A9', '/caf%E9?q=%FF']);
  });
});

describe('an argument that is not UTF-8', () => {
  it('is a usage error naming its bytes, where Node read U+FFFD into it: another request sent, or an existing file "missing"', async () => {
    const server = track(await startHttpServer());
    const dir = tempDir();
    // Raw bytes as a shell passes them ($'\xe9'); Node's own spawn would encode a string as UTF-8.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_proxy$/i.test(name)));
    const shell = (script: string) => spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 20_000, env: { ...env, CLI: CLI_PATH, URL: server.url, DIR: dir } });
    for (const script of [`"$CLI" "$URL/caf"$'\\xe9' -q`, `"$CLI" "$DIR/in"$'\\xe9'".txt"`, `"$CLI" "$URL/ok" -o "$DIR/out"$'\\xe9'`]) {
      const result = shell(script);
      expect([script, result.status, result.stdout]).toEqual([script, 2, '']);
      expect(result.stderr).toMatch(/^bulkfetch: argument \d is not UTF-8 \(".*\\xe9.*"\): it would be read as other bytes than given/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    // A secret in Latin-1 (-u's password, an Authorization value, a body's password) is shown as the continue
    // command shows it: masked. It was echoed whole.
    for (const [script, shown] of [
      [`"$CLI" "$URL/a" -u $'bob:S3CRET1\\xe9'`, '("bob:***")'],
      [`"$CLI" "$URL/a" -H $'Authorization: Bearer S3CRET2\\xff'`, '("Authorization: ***")'],
      [`"$CLI" "$URL/a" -d $'user=bob&password=S3CRET3\\xe9'`, '("user=bob&password=***")'],
      [`"$CLI" "$URL/a" --user=$'bob:S3CRET4\\xe9'`, '("--user=bob:***")'],
    ] as const) {
      const result = shell(script);
      expect([script, result.status, result.stderr]).toEqual([script, 2, expect.stringContaining(`is not UTF-8 ${shown}`)]);
      expect(result.stderr).not.toMatch(/S3CRET/);
      // Not a URL's hint, nor a byte of the secret (%E9 for \xe9 read as one).
      expect(result.stderr).toMatch(script.includes(' -d ') ? /: give the body in a file: --data-binary @FILE/ : /: write the credential in UTF-8\n$/);
    }
    // The way round names the argument's own byte (it said %E9 for \xe9 whatever the byte), and for a body the file.
    expect(shell(`"$CLI" "$URL/x"$'\\xfc'`).stderr).toContain('in a URL percent-encode them (%FC for \\xfc)');
    // UTF-8 before it is shown as its characters, and the byte named is the first that is not UTF-8 (it named \xc3 of é).
    expect(shell(`"$CLI" "$URL/caf"$'\\xc3\\xa9/\\xff'`).stderr).toMatch(/is not UTF-8 \("http:\/\/127\.0\.0\.1:\d+\/café\/\\xff"\): .* \(%FF for \\xff\)/);
    // A header's value: not a URL's hint, nor "give it in a file" (-H @FILE takes UTF-8 only).
    for (const words of [`-H $'X-A: caf\\xe9'`, `-A $'agent\\xe9'`, `--header=$'X-A: caf\\xe9'`, `-sH $'X-A: caf\\xe9'`]) {
      expect(shell(`"$CLI" "$URL/a" ${words}`).stderr, words).toMatch(/: write it in UTF-8: header values are sent as their UTF-8 bytes \(from -H @FILE too\)\n$/);
    }
    expect(shell(`"$CLI" "$URL/a" --data-binary $'\\xff\\xfe'`).stderr).toMatch(/is not UTF-8 \("\\xff\\xfe"\): it would be read as other bytes than given: give the body in a file: --data-binary @FILE sends its bytes as they are\n$/);
    expect(server.requests).toBe(0);
    // UTF-8 is read as given (spawned without blocking: the server is in this process).
    const utf8 = await runCli([`${server.url}/café`, '-q']);
    expect(utf8.lines).toMatchObject([{ url: `${server.url}/caf%C3%A9`, status: 200 }]);
  });
});

describe('a compressed list', () => {
  it('is a usage error that names the tool to decompress it, before anything is sent; a pipe is read as it comes', async () => {
    const server = await track(startHttpServer());
    const text = `${server.url}/a\n${server.url}/b\n`;
    const gz = await runCli([writeTempFile(gzipSync(text)), '-q']);
    expect(gz.code).toBe(2);
    expect(gz.stderr.trim().split('\n')).toHaveLength(1);
    expect(gz.stderr).toMatch(/gzip-compressed.*zcat/);
    expect(server.requests).toBe(0);
    // A named pipe (as bash's <(zcat urls.gz) gives) cannot be read at an offset: it is read as it comes.
    const fifo = join(tempDir(), 'urls.fifo');
    execFileSync('mkfifo', [fifo]);
    const piped = runCli([fifo, '-q', '--procs', '1']);
    // Opening the pipe for writing waits for the CLI to open it for reading.
    await writeFile(fifo, text);
    const result = await piped;
    expect(result.code).toBe(0);
    expect(result.lines.map((l) => l.status)).toEqual([200, 200]);
  });

  it('through a pipe or stdin (cat urls.gz | bulkfetch -) is the same usage error, told by its first bytes', async () => {
    const server = await track(startHttpServer());
    const compressed = gzipSync(`${server.url}/a\n${server.url}/b\n`);
    const piped = await runCli(['-', '-q'], { stdin: compressed });
    expect([piped.code, piped.stdout]).toEqual([2, '']);
    expect(piped.stderr).toBe('bulkfetch: The input is gzip-compressed: decompress it on the way in, e.g. zcat FILE | bulkfetch -\n');
    expect(server.requests).toBe(0);
    // Refused before -o empties its file: an earlier run's results stay (they were emptied, exit 2).
    const earlier = writeTempFile(['{"line":1,"status":200}', '{"line":2,"status":200}']);
    const kept = await runCli(['-', '-q', '-o', earlier], { stdin: compressed });
    expect(kept.code).toBe(2);
    expect(readFileSync(earlier, 'utf8')).toBe('{"line":1,"status":200}\n{"line":2,"status":200}\n');
    // A plain pipe still runs, every byte of it read after the look at its head.
    const plain = await runCli(['-', '-q', '-o', earlier, '--procs', '1'], { stdin: `${server.url}/c\n${server.url}/d\n` });
    expect(plain.code).toBe(0);
    expect(readFileSync(earlier, 'utf8').trim().split('\n').map((l) => JSON.parse(l).status)).toEqual([200, 200]);
  });
});

describe('a binary file named as the input', () => {
  it('UTF-16 without a byte order mark is told by its endianness, and how to convert it (the LE hint made BE junk)', async () => {
    const text = 'http://127.0.0.1:9/x\nhttp://127.0.0.1:9/y\n';
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    for (const [bytes, encoding] of [[le, 'UTF-16LE'], [be, 'UTF-16BE']] as const) {
      const refused = await runCli([writeTempFile(bytes), '-q']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(new RegExp(`is binary \\(a NUL byte at offset [01]\\), not a text list of URLs or JSON request specs \\(it reads as ${encoding} without a byte order mark: convert it with iconv -f ${encoding} -t UTF-8\\)\n$`));
    }
  });

  it('is a usage error when its head holds a NUL; a NUL further in makes its line EINVALIDURL; nothing of either is sent as noise', async () => {
    const server = await track(startHttpServer());
    // A zip's local header (what an .xlsx starts with) then a line that would parse as http://0.0.0.5/.
    const zip = writeTempFile(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]), Buffer.from(`\n5\n${server.url}/a\n`)]));
    const refused = await runCli([zip, '-q']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^bulkfetch: Input ".*" is binary \(a NUL byte at offset 5\), not a text list of URLs/)]);
    expect(refused.stdout).toBe('');
    // Past the head a file is read as lines: the line with the NUL is answered, the others are sent.
    const padding = `${server.url}/pad\n`.repeat(Math.ceil(8000 / `${server.url}/pad\n`.length));
    const late = writeTempFile(Buffer.concat([Buffer.from(padding), Buffer.from(`${server.url}/x`), Buffer.from([0]), Buffer.from(`y\n${server.url}/b\n`)]));
    const result = await runCli([late, '-q', '--procs', '1']);
    expect(result.code).toBe(0);
    const nulLine = padding.split('\n').length;
    expect(result.lines.find((l) => l.line === nulLine)).toMatchObject({ status: null, error: { code: 'EINVALIDURL', message: expect.stringContaining('control character 0x00') } });
    expect(server.log.map((r) => r.url)).not.toContain('/x%00y');
    expect(server.log.map((r) => r.url)).toContain('/b');
  });
});

