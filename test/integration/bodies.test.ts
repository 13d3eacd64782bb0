// Response bodies exactly as the server sent them: content codings, charsets, JSON text, against real local servers.
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib, { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { answerThenClose, cleanupAfterEach, CLI_PATH, runCli, startHttpServer, tempDir } from '../helpers/index.js';

const track = cleanupAfterEach();
const serve = async <T extends { close(): Promise<void> }>(server: Promise<T>): Promise<T> => track(await server);
const run = (lines: string[], args: string[] = []) => runCli(['-', '--procs', '1', ...args], { stdin: `${lines.join('\n')}\n` });

const PAYLOAD = JSON.stringify({ word: 'été', n: 12345678901234567890n.toString() });
// PAYLOAD as zstd (made by Node 24's zlib.zstdCompressSync: Node 20 has no zstd encoder to make it in the test).
const ZSTD_PAYLOAD_BASE64 = 'KLUv/SArRQEAFAJ7IndvcmQiOiLDqXTDqSIsIm4iOiIxMjM0NTY3ODkwIn0BAHcrTg==';

/** A zstd frame of `blocks` x 128 KiB of zero bytes in RLE blocks of 4 bytes each: a bomb that any Node can build. */
function zstdZeros(blocks: number): Buffer {
  const BLOCK = 128 * 1024;
  // Magic number; frame header: no content size, no checksum, window 2^(10+7) = 128 KiB (RFC 8878, 3.1.1.1).
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3])];
  for (let i = 0; i < blocks; i += 1) {
    // Block header, 3 bytes little-endian: last block (bit 0), type RLE (1, bits 1-2), size (bits 3-23); then the byte.
    const header = (BLOCK << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0);
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x00]));
  }
  return Buffer.concat(parts);
}

const ENCODERS: Record<string, (b: Buffer) => Buffer> = {
  gzip: gzipSync,
  deflate: deflateSync,
  'deflate-raw': deflateRawSync,
  br: brotliCompressSync,
};

describe('content codings', () => {
  it('asks for gzip, deflate and br, decodes each, and keeps content-encoding in the headers', async () => {
    const seen: Array<string | undefined> = [];
    const server = await serve(startHttpServer((req, res) => {
      seen.push(req.headers['accept-encoding']);
      const name = (req.url ?? '/').slice(1);
      const encode = ENCODERS[name] as (b: Buffer) => Buffer;
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': name === 'deflate-raw' ? 'deflate' : name });
      res.end(encode(Buffer.from(PAYLOAD)));
    }));
    const result = await run(Object.keys(ENCODERS).map((name) => `${server.url}/${name}`), ['--ordered']);
    expect(seen).toEqual(Object.keys(ENCODERS).map(() => 'gzip, deflate, br'));
    for (const line of result.lines) {
      expect(line).toMatchObject({ status: 200, body: JSON.parse(PAYLOAD), bytes: Buffer.byteLength(PAYLOAD), error: null });
      expect(line.headers['content-encoding']).toMatch(/^(gzip|deflate|br)$/);
    }
  });

  it('decodes deflate whose first byte comes alone (zlib or raw), and gzip declared as `gzip, identity`', async () => {
    const server = await serve(startHttpServer((req, res) => {
      if (req.url === '/identity') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip, identity' });
        res.end(gzipSync(Buffer.from(PAYLOAD)));
        return;
      }
      // zlib or raw is told by the first two bytes: a network may hand over one.
      const body = (req.url === '/zlib' ? deflateSync : deflateRawSync)(Buffer.from(PAYLOAD));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'deflate' });
      res.flushHeaders();
      res.write(body.subarray(0, 1));
      setTimeout(() => res.end(body.subarray(1)), 50);
    }));
    const result = await run(['/zlib', '/raw', '/identity'].map((path) => `${server.url}${path}`), ['--ordered']);
    for (const line of result.lines) expect(line).toMatchObject({ status: 200, body: JSON.parse(PAYLOAD), error: null });
  });

  it('decodes with a user Accept-Encoding too; --no-compressed sends none and keeps the bytes (base64)', async () => {
    const seen: Array<string | undefined> = [];
    const gz = gzipSync(Buffer.from(PAYLOAD));
    const server = await serve(startHttpServer((req, res) => {
      seen.push(req.headers['accept-encoding']);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gz);
    }));
    const own = await run([`${server.url}/a`], ['-H', 'Accept-Encoding: gzip']);
    expect(own.lines[0]).toMatchObject({ body: JSON.parse(PAYLOAD) });
    const raw = await run([`${server.url}/b`], ['--no-compressed']);
    expect(raw.lines[0]).toMatchObject({ bodyEncoding: 'base64', body: gz.toString('base64'), bytes: gz.length });
    const curlish = await run([`${server.url}/c`], ['--compressed']);
    expect(curlish.lines[0]).toMatchObject({ body: JSON.parse(PAYLOAD) });
    expect(seen).toEqual(['gzip', undefined, 'gzip, deflate, br']);
  });

  it('decodes zstd where this Node has a decoder for it (22.15 on), else keeps the bytes as base64; a zstd bomb is cut at --max-body', async () => {
    const small = Buffer.from(ZSTD_PAYLOAD_BASE64, 'base64');
    const bomb = zstdZeros(128);
    const seen: Array<string | undefined> = [];
    const server = await serve(startHttpServer((req, res) => {
      seen.push(req.headers['accept-encoding']);
      res.writeHead(200, { 'content-type': req.url === '/bomb' ? 'application/octet-stream' : 'application/json', 'content-encoding': 'zstd' });
      res.end(req.url === '/bomb' ? bomb : small);
    }));
    const result = await run([`${server.url}/small`, `${server.url}/bomb`], ['--ordered', '-H', 'Accept-Encoding: zstd', '--max-body', '100000']);
    expect(seen).toEqual(['zstd', 'zstd']);
    const [text, cut] = result.lines;
    if (typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function') {
      expect(text).toMatchObject({ status: 200, body: JSON.parse(PAYLOAD), bytes: Buffer.byteLength(PAYLOAD), error: null });
      expect(cut).toMatchObject({ status: 200, truncated: true, bytes: 100000, bodyEncoding: 'base64', error: null });
      expect(Buffer.from(cut?.body as string, 'base64').equals(Buffer.alloc(100000))).toBe(true);
    } else {
      expect(text).toMatchObject({ status: 200, body: ZSTD_PAYLOAD_BASE64, bodyEncoding: 'base64', bytes: small.length, error: null });
      expect(cut).toMatchObject({ status: 200, body: bomb.toString('base64'), bodyEncoding: 'base64', bytes: bomb.length, error: null });
    }
  });

  it('undoes stacked codings last applied first, as curl (up to five); a gzip bomb under gzip is still cut at --max-body', async () => {
    const inner = gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
    let six = Buffer.from(PAYLOAD);
    for (let i = 0; i < 6; i += 1) six = gzipSync(six);
    const bodies: Record<string, [string, Buffer]> = {
      '/gzip-gzip': ['gzip, gzip', gzipSync(gzipSync(Buffer.from(PAYLOAD)))],
      '/deflate-br': ['deflate, br', brotliCompressSync(deflateSync(Buffer.from(PAYLOAD)))],
      '/bomb': ['gzip, gzip', gzipSync(inner)],
      '/six': ['gzip, gzip, gzip, gzip, gzip, gzip', six],
    };
    const server = await serve(startHttpServer((req, res) => {
      const [coding, body] = bodies[req.url ?? ''] as [string, Buffer];
      res.writeHead(200, { 'content-type': req.url === '/bomb' ? 'application/octet-stream' : 'application/json', 'content-encoding': coding });
      res.end(body);
    }));
    const result = await run(Object.keys(bodies).map((path) => `${server.url}${path}`), ['--ordered', '--max-body', '100000']);
    const [twice, mixed, bomb, tooMany] = result.lines;
    expect(twice).toMatchObject({ status: 200, body: JSON.parse(PAYLOAD), bytes: Buffer.byteLength(PAYLOAD), error: null });
    expect(mixed).toMatchObject({ status: 200, body: JSON.parse(PAYLOAD), error: null });
    expect(bomb).toMatchObject({ status: 200, truncated: true, bytes: 100000, bodyEncoding: 'base64', error: null });
    // Past five, the bytes as they came, with the header saying what they are.
    expect(tooMany).toMatchObject({ status: 200, body: six.toString('base64'), bodyEncoding: 'base64', error: null });
  });

  it('cuts a gzip bomb (64 KiB -> 64 MiB) at --max-body of decoded bytes, quickly', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(128 * 1024);
    const server = await serve(startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
      res.end(bomb);
    }));
    const started = Date.now();
    const result = await run([`${server.url}/bomb`], ['--max-body', '100000']);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.lines[0]).toMatchObject({ status: 200, truncated: true, bytes: 100000, bodyEncoding: 'base64', error: null });
    expect(Buffer.from(result.lines[0]?.body as string, 'base64').length).toBe(100000);
  });

  it('a body that does not decode as its content-encoding is EPROTOCOL, not garbage', async () => {
    const server = await serve(startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.end('not gzip at all');
    }));
    const result = await run([`${server.url}/x`]);
    expect(result.lines[0]).toMatchObject({ body: null, error: { code: 'EPROTOCOL', message: 'Body does not decode as content-encoding gzip: incorrect header check (after status 200; --no-compressed keeps the body bytes as they came)' } });
    // As it says: the bytes as they came, which no text decoding can show.
    const raw = await run([`${server.url}/x`], ['--no-compressed']);
    expect(raw.lines[0]).toMatchObject({ status: 200, bodyEncoding: 'base64', error: null });
    expect(Buffer.from(raw.lines[0]?.body as string, 'base64').toString()).toBe('not gzip at all');
  });
});

describe('JSON bodies', () => {
  it('are the server\'s own JSON text, minified: big numbers, 1e400, key order and duplicate keys kept', async () => {
    const text = '{ "z": 12345678901234567890, "a": 1e400,\n  "z": [ "x y", -0.0 ] }';
    const server = await serve(startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(text);
    }));
    const result = await run([`${server.url}/j`], ['--no-headers']);
    expect(result.stdout).toContain(',"body":{"z":12345678901234567890,"a":1e400,"z":["x y",-0.0]},"bytes":');
    expect(result.lines[0]).toMatchObject({ status: 200, error: null });
  });

  it('with half a surrogate pair escaped alone come out as a marked string of their text, which jq 1.6 reads', async () => {
    const server = await serve(startHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url === '/lone' ? '{"s": "\\ud800x"}' : '{"s": "\\ud83d\\ude00"}');
    }));
    const result = await run([`${server.url}/lone`, `${server.url}/pair`], ['--ordered', '--no-headers']);
    expect(result.code).toBe(0);
    // jq 1.6 aborts the whole stream at a line holding "\ud800" unpaired; as a string of the text it is "\\ud800".
    expect(result.stdout).toContain(',"body":"{\\"s\\":\\"\\\\ud800x\\"}","bodyEncoding":"json-text",');
    expect(result.lines[0]).toMatchObject({ body: '{"s":"\\ud800x"}', bodyEncoding: 'json-text', error: null });
    expect(result.stdout).toContain(',"body":{"s":"\\ud83d\\ude00"},');
    expect(result.lines[1]).not.toHaveProperty('bodyEncoding');
  });

  it('nested deeper than the limit come out as a marked string; 10,000 deep does not crash the child', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const server = await serve(startHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url === '/deep' ? deep : req.url === '/bad' ? '{"a":' : `${'['.repeat(128)}${']'.repeat(128)}`);
    }));
    const result = await run([`${server.url}/deep`, `${server.url}/bad`, `${server.url}/limit`], ['--ordered', '--no-headers']);
    expect(result.code).toBe(0);
    expect(result.lines[0]).toMatchObject({ body: deep, bodyEncoding: 'json-text', error: null });
    // Not JSON under a JSON type: its text, marked, so it is not taken for a JSON string.
    expect(result.lines[1]).toMatchObject({ body: '{"a":', bodyEncoding: 'text', error: null });
    expect(result.lines[2]?.bodyEncoding).toBeUndefined();
  });

  it('a body jq 1.6 could not read inside its line is a marked string: objects count two levels there, arrays one', async () => {
    const objects = (n: number, inner: string) => `${'{"a":'.repeat(n)}${inner}${'}'.repeat(n)}`;
    const arrays = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    // 128 objects passed under a 128-level limit, and `| jq` stopped there with every later line lost.
    const bodies: Array<[string, boolean]> = [[objects(128, '1'), false], [objects(127, '{}'), false], [objects(127, '1'), true], [objects(126, '{}'), true], [arrays(254), true], [arrays(255), false]];
    const server = await serve(startHttpServer((req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(bodies[Number(req.url?.slice(1))]?.[0])));
    const result = await run(bodies.map((_, i) => `${server.url}/${i}`), ['--ordered', '--no-headers']);
    for (const [i, [body, asJson]] of bodies.entries()) {
      if (asJson) expect(result.stdout.split('\n')[i], String(i)).toContain(`,"body":${body},`);
      else expect(result.lines[i], String(i)).toMatchObject({ body, bodyEncoding: 'json-text' });
    }
    // jq 1.6 (Debian's) reads every line; a newer jq reads deeper still.
    const jq = spawnSync('jq', ['-c', '.line'], { input: result.stdout, encoding: 'utf8' });
    if (jq.error === undefined) expect([jq.status, jq.stdout]).toEqual([0, bodies.map((_, i) => `${i + 1}\n`).join('')]);
  });
});

describe('charsets', () => {
  const BODIES: Record<string, [string, Buffer]> = {
    '/latin1': ['text/plain; charset=iso-8859-1', Buffer.from([0x63, 0x61, 0x66, 0xe9])],
    '/cp1252': ['text/html; charset=windows-1252', Buffer.from([0x80, 0x93, 0x94])],
    '/sjis': ['text/plain; charset=Shift_JIS', Buffer.from([0x93, 0xfa, 0x96, 0x7b])],
    '/utf16': ['text/plain', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('été', 'utf16le')])],
    '/bad': ['text/plain; charset=utf-8', Buffer.from([0x61, 0xc3, 0x28])],
    // No charset in the header: the page's own declaration, as a browser reads it.
    '/meta': ['text/html', Buffer.from('<meta charset="windows-1252">\x93', 'latin1')],
    '/xml': ['text/xml', Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>', 'latin1')],
    // Bytes WHATWG's big5 and gbk (gb18030) decoders fail on, to which Node's own gave Private Use characters.
    '/big5': ['text/plain; charset=big5', Buffer.from([0xa4, 0x40])],
    '/big5-ff': ['text/plain; charset=big5', Buffer.from([0xa4, 0x40, 0xff])],
    '/big5-80': ['text/plain; charset=big5', Buffer.from([0x41, 0x80])],
    '/gbk': ['text/plain; charset=gbk', Buffer.from([0xc4, 0xe3])],
    '/gbk-ff': ['text/plain; charset=GB2312', Buffer.from([0x41, 0xff])],
    // WHATWG's euc-kr is windows-949 (UHC): Node's plain EUC-KR gave 똠 (8C 63) as U+008C and "c", and a
    // user-defined pair as Private Use; windows-874's unmapped 0xDB as Private Use. Each without a word.
    '/euc-kr': ['text/html; charset=euc-kr', Buffer.from([0xb0, 0xa2])],
    '/euc-kr-uhc': ['application/json; charset=euc-kr', Buffer.from('7b226e223a228c63b9e6227d', 'hex')],
    '/euc-kr-pua': ['text/plain; charset=ks_c_5601-1987', Buffer.from([0xc9, 0xa1])],
    '/euc-kr-lead': ['text/plain; charset=euc-kr', Buffer.from([0x41, 0x82])],
    '/874': ['text/plain; charset=windows-874', Buffer.from([0xa1])],
    '/874-db': ['text/plain; charset=tis-620', Buffer.from([0xa1, 0xdb])],
  };
  it('decode text with the declared or sniffed charset; invalid bytes come out as base64, never replaced', async () => {
    const server = await serve(startHttpServer((req, res) => {
      const [type, bytes] = BODIES[req.url ?? ''] as [string, Buffer];
      res.writeHead(200, { 'content-type': type });
      res.end(bytes);
    }));
    const result = await run(Object.keys(BODIES).map((path) => `${server.url}${path}`), ['--ordered', '--no-headers']);
    expect(result.lines.map((l) => l.body)).toEqual(['café', '€“”', '日本', 'été', 'YcMo', '<meta charset="windows-1252">“', '<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>', '一', 'pED/', 'QYA=', '你', 'Qf8=', '각', 'eyJuIjoijGO55iJ9', 'yaE=', 'QYI=', 'ก', 'ods=']);
    expect(result.lines.map((l) => l.bodyEncoding)).toEqual([undefined, undefined, undefined, undefined, 'base64', undefined, undefined, undefined, 'base64', 'base64', undefined, 'base64', undefined, 'base64', 'base64', 'base64', undefined, 'base64']);
  });
});

describe('large lines', () => {
  it('a 30 MB body kept in its line, and a 4 MB -d body of NUL bytes (24 MB as JSON escapes), take seconds, not minutes', async () => {
    // Each was read again from its start at every 64 KiB that came: 30 MB took about 25 s, 4 MB of NULs 15 s.
    const server = await serve(startHttpServer((req, res, ctx) => void res.end(req.method === 'POST' ? String(ctx.body.length) : Buffer.alloc(30_000_000, 0x61))));
    const started = Date.now();
    const big = await run([`${server.url}/big`], ['--max-body', '40M', '--body', 'text']);
    expect([big.lines[0]?.status, big.lines[0]?.bytes, (big.lines[0]?.body as string).length]).toEqual([200, 30_000_000, 30_000_000]);
    const body = join(tempDir(), 'zeros.bin');
    writeFileSync(body, Buffer.alloc(4_000_000));
    const posted = await run([`${server.url}/post`], ['--data-binary', `@${body}`]);
    expect(posted.lines[0]).toMatchObject({ status: 200, body: '4000000' });
    // About 5 s on a quiet machine, 15 s beside a full suite and other work; the quadratic reading took 40 s quiet.
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 90_000);
});

describe('--save DIR', () => {
  it('streams 2xx bodies to files named by spec id or request hash (never the URL path), with file and sha256', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const server = await serve(startHttpServer((req, res) => {
      if (req.url === '/missing') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('nope');
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
      res.end(gzipSync(req.url === '/big' ? big : Buffer.from(req.url ?? '')));
    }));
    const dir = tempDir();
    const lines = [
      JSON.stringify({ url: `${server.url}/big`, id: 'big-1' }),
      JSON.stringify({ url: `${server.url}/../../etc/passwd`, id: '../escape' }),
      `${server.url}/missing`,
    ];
    const result = await run(lines, ['--save', dir, '--max-body', '10', '--ordered', '--no-headers']);
    const [saved, hashed, missing] = result.lines;
    // --max-body does not apply to saved bodies; the file is the decoded body.
    expect(saved).toMatchObject({ status: 200, body: null, file: join(dir, 'big-1'), bytes: big.length, error: null });
    expect(saved?.sha256).toBe(createHash('sha256').update(big).digest('hex'));
    expect(readFileSync(join(dir, 'big-1')).equals(big)).toBe(true);
    expect(hashed?.file).toMatch(new RegExp(`^${dir}/[0-9a-f]{64}$`));
    // Non-2xx bodies stay in the line (with --max-body).
    expect(missing).toMatchObject({ status: 404, body: 'nope' });
    expect(missing).not.toHaveProperty('file');
    expect(readdirSync(dir).sort()).toEqual(['big-1', (hashed?.file as string).slice(dir.length + 1)].sort());
  });

  it('saves no file for a HEAD request, whose 2xx has no body: its line is as without --save', async () => {
    const server = await serve(startHttpServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' }).end(_req.method === 'HEAD' ? undefined : 'x'.repeat(100))));
    const dir = tempDir();
    const result = await run([`${server.url}/h`, JSON.stringify({ url: `${server.url}/s`, method: 'HEAD', id: 'spec' })], ['-I', '--save', dir, '--ordered']);
    // Before: each line named an empty file, with the SHA-256 of nothing, for a 100-byte resource.
    for (const line of result.lines) {
      expect(line).toMatchObject({ method: 'HEAD', status: 200, body: '', bytes: 0, error: null });
      expect(line).not.toHaveProperty('file');
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a numeric id names its file as written: ids JavaScript rounds to one number save to files of their own', async () => {
    const server = await serve(startHttpServer((req, res) => void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(req.url)));
    const dir = tempDir();
    // 64-bit keys past 2^53, and one number written two ways: each pair was one file, the second body over the first.
    const ids = ['1790000000000000001', '1790000000000000002', '1', '1.0', '1E2', '100'];
    const result = await run(ids.map((id, i) => `{"url":"${server.url}/r${i}","id":${id}}`), ['--save', dir, '--ordered', '--no-headers']);
    expect(result.lines.map((line) => line.file)).toEqual(ids.map((id) => join(dir, id)));
    for (const [i, line] of result.lines.entries()) {
      expect(readFileSync(join(dir, ids[i] as string), 'utf8')).toBe(`/r${i}`);
      expect(line.sha256).toBe(createHash('sha256').update(`/r${i}`).digest('hex'));
    }
  });

  it('records saving under one id land in input order, whichever answer comes first, over several children', async () => {
    // Each record's body names its line; the later a record is in the input, the sooner its answer comes.
    const server = await serve(startHttpServer((req, res) => {
      const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms'));
      setTimeout(() => void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(req.url), ms);
    }));
    const dir = tempDir();
    const ids = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
    const perId = 6;
    const lines = Array.from({ length: perId }, (_, round) => ids.map((id, k) => JSON.stringify({ url: `${server.url}/${id}/${round}?ms=${(perId - round) * 60 + k}`, id }))).flat();
    const result = await runCli(['-', '--procs', '3', '--concurrency', '50', '--save', dir, '--ordered', '--no-headers'], { stdin: `${lines.join('\n')}\n` });
    expect(result.lines).toHaveLength(lines.length);
    expect(result.lines.every((line) => line.status === 200 && line.error === null)).toBe(true);
    for (const id of ids) {
      // Before: each file held the body that finished last, the first record's (the slowest answer).
      const last = `/${id}/${perId - 1}?ms=${60 + ids.indexOf(id)}`;
      expect(readFileSync(join(dir, id), 'utf8')).toBe(last);
      const mine = result.lines.filter((line) => line.id === id);
      expect(mine.map((line) => line.sha256)).toEqual(mine.map((line) => createHash('sha256').update(new URL(line.url as string).pathname + new URL(line.url as string).search).digest('hex')));
    }
    // The files that did not land were dropped: no partial file is left.
    expect(readdirSync(dir).sort()).toEqual([...ids].sort());
  });

  it('a body that waits on its file or decoder when the server closes the connection is finished, not a crashed child', async () => {
    const { createServer } = await import('node:net');
    const { listen, socketCloser } = await import('../helpers/index.js');
    const plain = Buffer.alloc(5_000_000, 0x61);
    const gzipped = gzipSync(Buffer.alloc(20_000_000, 0x62));
    // HTTP/1.0 with a length, written in 64 KiB pieces and then closed, as python3 -m http.server serves a
    // file; and a gzip body on a kept-alive connection the server closes at once after it.
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', (head) => {
        if (head.toString('latin1').startsWith('GET /gz')) {
          socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gzipped.length}\r\n\r\n`), gzipped]));
          return;
        }
        answerThenClose(socket, plain);
      });
    });
    const closer = socketCloser(server);
    const port = await listen(server);
    track({ close: () => closer.close() });
    const dir = tempDir();
    const urls = [`http://127.0.0.1:${port}/a`, `http://127.0.0.1:${port}/b`, `http://127.0.0.1:${port}/gz`];
    const saved = await run(urls, ['--save', dir, '--retries', '0', '--ordered']);
    expect(saved.lines.map((l) => [l.status, l.error?.code ?? null, l.bytes])).toEqual([[200, null, 5_000_000], [200, null, 5_000_000], [200, null, 20_000_000]]);
    expect(saved.stderr).not.toMatch(/AssertionError|died/);
    expect(readFileSync(saved.lines[0]?.file as string).equals(plain)).toBe(true);
    const kept = await run([urls[2] as string], ['--max-body', '1k', '--retries', '0']);
    expect(kept.lines[0]).toMatchObject({ status: 200, bytes: 1024, truncated: true, error: null });
  });

  it('--max-filesize fails a larger body with EMAXFILESIZE and leaves no file, partial or final', async () => {
    const server = await serve(startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(2 * 1024 * 1024));
    }));
    const dir = tempDir();
    const result = await run([JSON.stringify({ url: `${server.url}/x`, id: 'x' })], ['--save', dir, '--max-filesize', '100000']);
    expect(result.lines[0]).toMatchObject({ status: null, error: { code: 'EMAXFILESIZE' } });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('--max-filesize fails a body kept in the line too, as curl does: by its Content-Length at once, or as it streams past the limit', async () => {
    const server = await serve(startHttpServer((req, res) => {
      const size = Number(new URL(req.url ?? '/', 'http://h').searchParams.get('size'));
      if (req.url?.startsWith('/chunked')) {
        // No Content-Length: only counting the bytes tells.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(size / 2));
        res.end(Buffer.alloc(size / 2));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      res.end(req.method === 'HEAD' ? undefined : Buffer.alloc(size));
    }));
    const result = await run([
      `${server.url}/declared?size=3000000`,
      `${server.url}/chunked?size=200000`,
      `${server.url}/small?size=1000`,
      JSON.stringify({ url: `${server.url}/head?size=3000000`, method: 'HEAD' }),
    ], ['--max-filesize', '100000', '--ordered', '--retries', '0']);
    expect(result.lines.map((l) => [l.line, l.status, l.error?.code ?? null])).toEqual([
      [1, null, 'EMAXFILESIZE'],
      [2, null, 'EMAXFILESIZE'],
      [3, 200, null],
      [4, 200, null],
    ]);
    // Past --max-body (1 MiB), a 3 MB body would only have been cut: the declared length fails it instead.
    expect(result.lines[0]?.error?.message).toBe('Body of 3000000 bytes (Content-Length) larger than --max-filesize 100000 (after status 200)');
    // The status is in the message, as for any body cut short; `bytes` counts the bytes that took it past the limit (it read under it).
    const streamed = result.lines[1] as { bytes: number; error: { message: string } };
    expect(streamed.bytes).toBeGreaterThan(100_000);
    expect(streamed.error.message).toBe(`Body larger than --max-filesize 100000 (after status 200, ${streamed.bytes} bytes came before the download was stopped)`);
  });

  it('a body that cannot be saved is ESAVE, its message naming the errno, what it means and the file, and keeping the status that came (the line has none)', async () => {
    const server = await serve(startHttpServer());
    const dir = tempDir();
    mkdirSync(join(dir, 'taken'));
    const result = await run([JSON.stringify({ url: `${server.url}/x`, id: 'taken' })], ['--save', dir]);
    expect(result.lines[0]).toMatchObject({ status: null, error: { code: 'ESAVE', message: expect.stringMatching(/^Cannot save the body: E[A-Z]+: [a-z ]+, rename '.*' -> '.*\/taken' \(after status 200\)$/) } });
  });

  it('a body whose last write fails after the download ended (a full disk, EFBIG) is ESAVE with no file kept, not a 200 with the whole body\'s hash', async () => {
    // A file size limit of 8 KiB makes the kernel refuse what a full disk refuses: a 9000-byte body comes
    // in one read, so its only failing write is still in flight when the download ends.
    const server = await serve(startHttpServer((req, res) => void res.end(Buffer.alloc(Number(req.url?.slice(1)), 'x'))));
    const dir = tempDir();
    const result = await runCli(['-', '--procs', '1', '--save', dir, '--ordered'], {
      stdin: `${server.url}/9000\n${server.url}/100\n`,
      via: ['prlimit', '--fsize=8192:8192'],
    });
    expect(result.lines[0]).toMatchObject({ status: null, error: { code: 'ESAVE', message: expect.stringMatching(/^Cannot save the body: EFBIG: file too large, write \(after status 200\)$/) } });
    expect(result.lines[1]).toMatchObject({ status: 200, bytes: 100, error: null });
    expect(readdirSync(dir)).toEqual([String(result.lines[1]?.file).split('/').pop()]);
  });

  it('a record whose id names one of the run\'s own files in DIR (the input, -o FILE, its .lock, --summary) is ESAVE, never sent, and those files stay the run\'s', async () => {
    const server = await serve(startHttpServer((_req, res) => void res.end('a body')));
    const dir = tempDir();
    // And the names of the files made beside them for a moment, which the next run removes as a dead run's (the body went with them).
    const names = ['in.jsonl', 'out.jsonl', 'out.jsonl.lock', 'sum.json', 'out.jsonl.123.tmp', 'out.jsonl.resume.json.45.tmp', 'out.jsonl.lock.takeover', 'fine', 'in.jsonl.5.tmp'];
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, names.map((id) => JSON.stringify({ url: `${server.url}/${id}`, id })).join('\n') + '\n');
    const result = await runCli([input, '--procs', '1', '--save', dir, '-o', join(dir, 'out.jsonl'), '--summary', join(dir, 'sum.json'), '-q']);
    expect(result.code).toBe(0);
    const lines = readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string; status: number | null; error: { code: string; message: string } | null });
    expect(lines.map((line) => line.id).sort()).toEqual([...names].sort());
    // No run makes in.jsonl.5.tmp: that id is saved.
    const fine = ['fine', 'in.jsonl.5.tmp'];
    for (const line of lines.filter((each) => !fine.includes(each.id))) {
      expect(line).toMatchObject({ status: null, attempts: 0, error: { code: 'ESAVE', message: `Cannot save the body: its id ${JSON.stringify(line.id)} names a file of this run in the --save directory (the input, -o FILE, its .lock or .resume.json or a FILE.PID.tmp made beside them, or --summary FILE), which it would replace; give the record another id` } });
    }
    for (const id of fine) expect(lines.find((line) => line.id === id)).toMatchObject({ status: 200, error: null });
    expect(server.requests).toBe(2);
    expect(JSON.parse(readFileSync(join(dir, 'sum.json'), 'utf8'))).toMatchObject({ invalid: 7, sent: 2 });
    expect(readFileSync(input, 'utf8')).toContain('"id":"in.jsonl"');
    expect(readFileSync(join(dir, 'fine'), 'utf8')).toBe('a body');
  });

  it("the files a shell's < and > put behind stdin and stdout are the run's too: an id naming one is ESAVE, and they stay whole", async () => {
    const server = await serve(startHttpServer((_req, res) => void res.end('a body')));
    const dir = tempDir();
    const names = ['specs.jsonl', 'out.jsonl', 'fine'];
    const input = join(dir, 'specs.jsonl');
    writeFileSync(input, names.map((id) => JSON.stringify({ url: `${server.url}/${id}`, id })).join('\n') + '\n');
    // As `bulkfetch --save DIR < DIR/specs.jsonl > DIR/out.jsonl`: before, both were replaced by a body, exit 0.
    const stdin = openSync(input, 'r');
    const stdout = openSync(join(dir, 'out.jsonl'), 'w');
    const child = spawn(process.execPath, [CLI_PATH, '--procs', '1', '--save', dir, '-q'], { stdio: [stdin, stdout, 'ignore'] });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    closeSync(stdin);
    closeSync(stdout);
    expect(code).toBe(0);
    const lines = readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string; status: number | null; error: { code: string } | null });
    expect(lines.map((line) => [line.id, line.status, line.error?.code ?? null]).sort()).toEqual([['fine', 200, null], ['out.jsonl', null, 'ESAVE'], ['specs.jsonl', null, 'ESAVE']]);
    expect(readFileSync(input, 'utf8')).toContain('"id":"specs.jsonl"');
    expect(server.requests).toBe(1);
  });

  it('a missing directory is a usage error before anything is sent', async () => {
    const server = await serve(startHttpServer());
    const result = await run([`${server.url}/x`], ['--save', '/nonexistent/dir']);
    expect(result.code).toBe(2);
    expect(server.requests).toBe(0);
  });
});
