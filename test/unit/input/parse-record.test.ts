import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordErrorCode } from '../../../src/errors.js';
import { parseRecord } from '../../../src/input/parse-record.js';
import { CURL_CONFIG_URLS, resolveAsWritten, writtenHref } from '../../../src/input/validate.js';
import { requestKey } from '../../../src/input/request-key.js';

const spec = (value: unknown, method = 'GET') => parseRecord(JSON.stringify(value), 7, method);

describe('parseRecord: JSON specs', () => {
  it('takes url, method, headers, body and id', () => {
    expect(spec({ url: 'http://a.test/x', method: 'put', headers: { 'X-A': 'b', 'x-n': 3 }, body: 'hi', id: 'r1' })).toEqual({
      kind: 'request',
      spec: { line: 7, id: 'r1', method: 'PUT', url: 'http://a.test/x', headers: { 'x-a': 'b', 'x-n': '3' }, body: 'hi' },
    });
  });

  it('answers a member nested past the stack (a 10 KB line) with an error record, not a crash of the run', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    for (const member of ['"id"', '"url"', '"method"', '"body"', '"zzz"', '"headers":{"a"']) {
      const text = `{"url":"http://a.test/",${member}:${deep}${member.includes('{') ? '}' : ''}}`.replace('"url":"http://a.test/","url"', '"url"');
      expect(parseRecord(text, 7, 'GET'), member).toMatchObject({ kind: 'invalid', error: { code: expect.stringMatching(/^EINVALID/) } });
    }
  });

  it('sends header numbers as written, digit for digit, and joins two spellings of a name', () => {
    expect(spec({ url: 'http://a.test/', headers: { 'x-n': 0.5, 'x-l': [1, 'b'], 'X-A': '1', 'x-a': '2' } })).toMatchObject({ spec: { headers: { 'x-n': '0.5', 'x-l': '1, b', 'x-a': '1, 2' } } });
    const line = '{"url":"http://a.test/","headers":{"v":2.10,"b":1.0,"c":1E3,"d":-0,"e":1e400,"f":12345678901234567890,"l":[ 1.50 ,"x", 2e-7],"\\u0067":0.10}}';
    expect(parseRecord(line, 7, 'GET')).toMatchObject({
      kind: 'request',
      spec: { headers: { v: '2.10', b: '1.0', c: '1E3', d: '-0', e: '1e400', f: '12345678901234567890', l: '1.50, x, 2e-7', g: '0.10' } },
    });
  });

  it('joins a list or two spellings without their empty values, as -H given twice is joined: ", v" was sent', () => {
    expect(spec({ url: 'http://a.test/', headers: { 'X-A': ['', 'v'], Cookie: ['', 'a=1'], 'X-B': ['', ''], X: '', x: 'a', 'X-C': ['  ', 'w'] } })).toMatchObject({ spec: { headers: { 'x-a': 'v', cookie: 'a=1', 'x-b': '', x: 'a', 'x-c': 'w' } } });
  });

  it('refuses a header given a value and null under two spellings, in either order: the later one won, without a word', () => {
    for (const headers of ['{"X-A":"1","x-a":null}', '{"x-a":null,"X-A":"1"}', '{"X-A":["1","2"],"x-A":null}']) {
      expect(parseRecord(`{"url":"http://a.test/","id":3,"headers":${headers}}`, 7, 'GET'), headers).toMatchObject({
        kind: 'invalid',
        id: 3,
        error: { code: RecordErrorCode.INVALID_SPEC, message: expect.stringMatching(/^Header [Xx]-[aA] is given a value and null \(removed\) under two spellings: give it once$/) },
      });
    }
    expect(spec({ url: 'http://a.test/', headers: { 'X-A': null, 'x-a': null } })).toMatchObject({ spec: { headers: { 'x-a': null } } });
  });

  it('refuses a host name longer than DNS allows and port 0, as URLs no request can reach (getaddrinfo EINVAL read EUNKNOWN)', () => {
    for (const url of [`http://${'a'.repeat(254)}/x`, `http://${'b'.repeat(64)}.test/y`, 'http://127.0.0.1:0/', 'https://h.test:0/']) {
      expect(parseRecord(url, 1, 'GET'), url).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_URL } });
    }
    expect(parseRecord(`http://${'c'.repeat(63)}.test/`, 1, 'GET')).toMatchObject({ kind: 'request' });
  });

  it('refuses a stray line of pretty-printed JSON and a path without a host, rather than looking them up as names', () => {
    for (const line of ['}', '},', '/relative/path', './rel', 'http://a{b}.test/']) {
      expect(parseRecord(line, 1, 'GET'), line).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_URL } });
    }
    for (const url of ['http://a.b_c-d.test./', 'http://xn--caf-dma.test/', 'http://café.test/', 'http://[::1]:8080/', 'localhost:8080/x']) {
      expect(parseRecord(url, 1, 'GET'), url).toMatchObject({ kind: 'request' });
    }
  });

  it('refuses an id past the largest number, saying to give it as a string (JSON.parse reads it as Infinity)', () => {
    expect(parseRecord('{"url":"http://a.test/","id":1e400}', 7, 'GET')).toMatchObject({
      kind: 'invalid',
      error: { code: RecordErrorCode.INVALID_SPEC, message: 'Expected "id" to be a string or number, got 1e400, past the largest number a line can echo: give it as a string' },
    });
  });

  it('sends `json` as the body with content-type application/json, unless the spec sets one', () => {
    expect(spec({ url: 'http://a.test/', method: 'POST', json: { a: [1, null] } })).toMatchObject({
      spec: { body: '{"a":[1,null]}', headers: { 'content-type': 'application/json' } },
    });
    expect(spec({ url: 'http://a.test/', json: 0, headers: { 'Content-Type': 'application/vnd+json' } })).toMatchObject({
      spec: { body: '0', headers: { 'content-type': 'application/vnd+json' } },
    });
  });

  it('inherits the -X default method and lets the spec override it', () => {
    expect(spec({ url: 'http://a.test/' }, 'POST')).toMatchObject({ spec: { method: 'POST' } });
    expect(spec({ url: 'http://a.test/', method: 'DELETE' }, 'POST')).toMatchObject({ spec: { method: 'DELETE' } });
  });

  it.each([
    ['{"url": ', RecordErrorCode.INVALID_SPEC],
    ['{}', RecordErrorCode.INVALID_SPEC],
    [JSON.stringify({ method: 'GET' }), RecordErrorCode.INVALID_SPEC],
    [JSON.stringify({ url: 42 }), RecordErrorCode.INVALID_SPEC],
    [JSON.stringify({ url: 'ftp://a.test/' }), RecordErrorCode.UNSUPPORTED_SCHEME],
    [JSON.stringify({ url: 'http://a.test/', method: 'GE T' }), RecordErrorCode.INVALID_METHOD],
    [JSON.stringify({ url: 'http://a.test/', method: 'CONNECT' }), RecordErrorCode.INVALID_METHOD],
    [JSON.stringify({ url: 'http://a.test/', headers: { 'x-a': 'v\r\nInjected: 1' } }), RecordErrorCode.INVALID_HEADER],
    [JSON.stringify({ url: 'http://a.test/', headers: { 'x-a': 'v\nx' } }), RecordErrorCode.INVALID_HEADER],
    [JSON.stringify({ url: 'http://a.test/', headers: { 'x-a': 'v\u0000' } }), RecordErrorCode.INVALID_HEADER],
    [JSON.stringify({ url: 'http://a.test/', headers: { 'bad name': 'v' } }), RecordErrorCode.INVALID_HEADER],
    [JSON.stringify({ url: 'http://a.test/', headers: { 'x:y': 'v' } }), RecordErrorCode.INVALID_HEADER],
    // Headers undici writes itself (it would refuse them at send time, as EUNKNOWN).
    [JSON.stringify({ url: 'http://a.test/', headers: { 'Transfer-Encoding': 'chunked' } }), RecordErrorCode.INVALID_HEADER],
    [JSON.stringify({ url: 'http://a.test/', headers: { 'Upgrade': 'websocket' } }), RecordErrorCode.INVALID_HEADER],
    [JSON.stringify({ url: 'http://a.test/', headers: { 'Content-Length': 'five' } }), RecordErrorCode.INVALID_HEADER],
    [JSON.stringify({ url: 'http://a.test/', headers: { 'Connection': 'close, "x"' } }), RecordErrorCode.INVALID_HEADER],
    // An IPv6 bracket left open: undici asserted on it, and the record was blamed on a response (EPROTOCOL).
    [JSON.stringify({ url: 'http://a.test/', headers: { Host: '[::1' } }), RecordErrorCode.INVALID_HEADER],
    [JSON.stringify({ url: 'http://a.test/', headers: ['x'] }), RecordErrorCode.INVALID_SPEC],
    [JSON.stringify({ url: 'http://a.test/', body: { a: 1 } }), RecordErrorCode.INVALID_SPEC],
    [JSON.stringify({ url: 'http://a.test/', body: 'x', json: 1 }), RecordErrorCode.INVALID_SPEC],
    [JSON.stringify({ url: 'http://a.test/', id: { a: 1 } }), RecordErrorCode.INVALID_SPEC],
  ])('rejects %s as %s', (text, code) => {
    const record = parseRecord(text, 3);
    expect(record.kind).toBe('invalid');
    expect(record).toMatchObject({ line: 3, error: { code } });
  });

  it('takes the spaces and tabs off a header value\'s ends, as -H does (HTTP/2 forbids them), and no other space', () => {
    const parsed = parseRecord(JSON.stringify({ url: 'http://a.test/', headers: { 'X-Lead': '  lead', 'X-Trail': 'trail \t', 'X-Inside': 'in\tside', 'X-Nbsp': '\u00a0x', 'X-List': [' a ', ' b '], Host: '[::1]:8080 ' } }), 1);
    expect(parsed).toMatchObject({ kind: 'request', spec: { headers: { 'x-lead': 'lead', 'x-trail': 'trail', 'x-inside': 'in\tside', 'x-nbsp': Buffer.from('\u00a0x').toString('latin1'), 'x-list': 'a ,  b', host: '[::1]:8080' } } });
  });

  it('refuses a number alone (an ID list\'s line) and an option\'s word, which were sent to the IPv4 address the number makes and to a host named -s', () => {
    for (const line of ['1001', '3232235777', '1.2', '1.2.3', '1001:8080', '42/items', JSON.stringify({ url: '1001' })]) {
      expect(parseRecord(line, 1), line).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_URL, message: expect.stringMatching(/^A number alone is no URL: .* read as an IPv4 address \(a list of IDs\?/) } });
    }
    for (const line of ['-s', '--next', '-H']) {
      expect(parseRecord(line, 1), line).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_URL, message: expect.stringMatching(/^An option, not a URL \(a curl config file's line\?/) } });
    }
    // A dotted quad, a number with a scheme, and a host name with digits are what they say.
    expect(parseRecord('127.0.0.1:8080/x', 1)).toMatchObject({ kind: 'request', spec: { url: 'http://127.0.0.1:8080/x' } });
    expect(parseRecord('http://2130706433/', 1)).toMatchObject({ kind: 'request', spec: { url: 'http://127.0.0.1/' } });
    expect(parseRecord('1001.example.com/x', 1)).toMatchObject({ kind: 'request', spec: { url: 'http://1001.example.com/x' } });
  });

  it('sends a path\'s ^ as written, as curl, on every Node: Node 24\'s parser encodes it as %5E, Node 20\'s did not', () => {
    const cases: Array<[string, string]> = [
      ['http://a.test/x^y', 'http://a.test/x^y'],
      // A %5E of the user's own stays; so does a query's ^, and a %2e beside a ^ is no dot segment either.
      ['http://a.test/x^y%5E/%2e%2e/z?q=^', 'http://a.test/x^y%5E/%2e%2e/z?q=^'],
      ['http://a.test/^%5Z^', 'http://a.test/^%5Z^'],
    ];
    for (const [line, url] of cases) expect(parseRecord(line, 1), line).toMatchObject({ kind: 'request', spec: { url } });
    expect(parseRecord(JSON.stringify({ url: 'http://a.test/s^t' }), 1)).toMatchObject({ spec: { url: 'http://a.test/s^t' } });
    // A redirect's Location, resolved against a base that holds one too.
    expect(writtenHref(resolveAsWritten('r^s?q=^', 'http://a.test/d^e/f'))).toBe('http://a.test/d^e/r^s?q=^');
    expect(writtenHref(resolveAsWritten('/r%5E', 'http://a.test/d^e/f'))).toBe('http://a.test/r%5E');
  });

  it('refuses half a surrogate pair escaped alone (UTF-8 would send U+FFFD, jq 1.6 stops at it); a whole pair is text', () => {
    for (const line of ['{"url":"http://a.test/","id":"\\ud800"}', '{"url":"http://a.test/\\udc00"}', '{"url":"http://a.test/","body":"x\\uD83D"}', '{"url":"http://a.test/","headers":{"x":"\\ud800"}}']) {
      const parsed = parseRecord(line, 3);
      expect(parsed, line).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_SPEC } });
      expect(parsed.kind === 'invalid' && parsed.error.message, line).toMatch(/^A \\u escape of half a surrogate pair without its other half \(such as \\ud800\)/);
    }
    expect(parseRecord('"http://a.test/\\ud800"', 3)).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_URL } });
    expect(parseRecord('{"url":"http://a.test/","id":"\\ud83d\\ude00 \\u00e9"}', 3)).toMatchObject({ kind: 'request', spec: { id: '😀 é' } });
    expect(parseRecord('"http://a.test/\\u00e9"', 3)).toMatchObject({ kind: 'request', spec: { url: 'http://a.test/%C3%A9' } });
  });

  it('keeps the id and method of a spec refused for half a surrogate pair, unless the half pair is in them', () => {
    // The line lost its id (no matching it back to its input) and showed GET for a POST.
    expect(parseRecord('{"url":"http://a.test/","method":"POST","body":"\\ud800x","id":"k2"}', 1)).toMatchObject({ kind: 'invalid', id: 'k2', method: 'POST', url: 'http://a.test/' });
    expect(parseRecord('{"url":"http://a.test/","id":"\\ud800"}', 1)).not.toHaveProperty('id');
    // bodyBase64 is the way out for a body, and no help for an id or a URL.
    expect(parseRecord('{"url":"http://a.test/","body":"\\ud800x"}', 1)).toMatchObject({ error: { message: expect.stringMatching(/give a body of such bytes as "bodyBase64"$/) } });
    expect(parseRecord('{"url":"http://a.test/","id":"\\ud800"}', 1)).toMatchObject({ error: { message: expect.not.stringContaining('bodyBase64') } });
    // A method that is no string shows the record's default, not `null` as text; a missing url says so in JSON's words.
    expect(parseRecord('{"url":"http://a.test/","method":null}', 1)).toMatchObject({ kind: 'invalid', method: 'GET' });
    expect(parseRecord('{"id":5}', 1)).toMatchObject({ kind: 'invalid', id: 5, error: { message: 'A spec needs "url", the URL to fetch, as a string' } });
  });

  it('sends the first of a Host list, as -H given twice does: joined, "a.test, b.test" was a 400', () => {
    expect(parseRecord('{"url":"http://a.test/","headers":{"Host":["a.test","b.test"],"X-L":["a","b"]}}', 1)).toMatchObject({ kind: 'request', spec: { headers: { host: 'a.test', 'x-l': 'a, b' } } });
    // Two spellings of Host too; and a list's items are checked before its first is taken.
    expect(parseRecord('{"url":"http://a.test/","headers":{"Host":"a.test","HOST":"b.test"}}', 1)).toMatchObject({ kind: 'request', spec: { headers: { host: 'a.test' } } });
    expect(parseRecord('{"url":"http://a.test/","headers":{"Host":["a.test",null]}}', 1)).toMatchObject({ kind: 'invalid', error: { code: 'EINVALIDHEADER' } });
  });

  it('echoes a valid id on an invalid record', () => {
    expect(spec({ url: 'http://a.test/', id: 9, method: 'B@D' })).toMatchObject({ kind: 'invalid', id: 9 });
  });
});

describe('parseRecord: a long password in a refused URL', () => {
  it('is masked in the message as in url, however far past the cut its @ is', () => {
    const token = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZXBsb3kiLCJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJl';
    for (const text of [`https://x-access-token:${token}@127.0.0.1:8080/my repo`, `https://x-access-token:${token}@127.0.0.1:99999/repo`, JSON.stringify({ url: `https://u:${token}@a.test/x y` })]) {
      const record = parseRecord(text, 1, 'GET');
      expect(record.kind).toBe('invalid');
      const { url, error } = record as { url: string; error: { message: string } };
      // The message showed the token's first 40-odd characters where url showed ***.
      expect(`${url} ${error.message}`, text).not.toContain(token.slice(0, 12));
      expect(error.message).toMatch(/:\*\*\*(\.\.\.|@)/);
    }
  });
});

describe('parseRecord: a scheme without its two slashes', () => {
  it('is named in the message with the URL meant, not taken for a host named http with two ports', () => {
    for (const [text, meant] of [['http:127.0.0.1:8080/x', 'http://127.0.0.1:8080/x'], ['https:\\\\127.0.0.1:8443/x', 'https://127.0.0.1:8443/x']]) {
      const record = parseRecord(text as string, 1, 'GET');
      expect(record, text).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_URL, message: expect.stringContaining(`(its scheme is written without the two slashes after it: ${meant})`) } });
    }
  });

  it("`https//host`, its colon left out, is named so, not sent to a host named https", () => {
    for (const [text, meant] of [['https//127.0.0.1:8443/x', 'https://127.0.0.1:8443/x'], ['HTTP//a.test', 'http://a.test'], [JSON.stringify({ url: 'http//a.test/y' }), 'http://a.test/y']]) {
      const record = parseRecord(text as string, 1, 'GET');
      expect(record, text).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_URL, message: expect.stringContaining(`(its scheme is written without the ':' after it: ${meant})`) } });
    }
    // A host whose name begins so is a host: only the scheme's word, then two slashes, is the typo.
    expect(parseRecord('https-proxy//x', 1, 'GET')).toMatchObject({ kind: 'request' });
    expect(parseRecord('httpsa.test/x', 1, 'GET')).toMatchObject({ kind: 'request' });
  });
});

describe('parseRecord: bodyBase64', () => {
  it('takes the bytes of a body as base64, alone, and refuses what is not base64', () => {
    expect(spec({ url: 'http://a.test/', method: 'POST', bodyBase64: '3q2+7w==' })).toMatchObject({ kind: 'request', spec: { body: '3q2+7w==', bodyEncoding: 'base64' } });
    expect(spec({ url: 'http://a.test/', method: 'POST', bodyBase64: '' })).toMatchObject({ kind: 'request', spec: { body: '', bodyEncoding: 'base64' } });
    for (const bad of ['3q2+7w', '3q2+7w=', '3q2-7w==', ' 3q2+7w==', 7]) {
      expect(spec({ url: 'http://a.test/', bodyBase64: bad })).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_SPEC, message: expect.stringMatching(/bodyBase64/) } });
    }
    expect(spec({ url: 'http://a.test/', bodyBase64: 'QUJD', body: 'x' })).toMatchObject({ kind: 'invalid', error: { message: 'Give one of "body", "json" and "bodyBase64"' } });
    expect(spec({ url: 'http://a.test/', json: 1, body: 'x' })).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_SPEC } });
  });

  it('a JSON value in "body" is refused with where it goes: "json"', () => {
    // Its kind, not its value: a body is where a login's password goes.
    expect(spec({ url: 'http://a.test/', method: 'POST', body: { password: 'S3CRET' } })).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_SPEC, message: 'Expected "body" to be a string, got an object ("json" sends a JSON value as the body, with Content-Type: application/json)' } });
    expect(spec({ url: 'http://a.test/', method: 'POST', body: 7 })).toMatchObject({ kind: 'invalid', error: { message: 'Expected "body" to be a string, got a number' } });
  });
});

describe('parseRecord: a line that was not UTF-8 (its bytes from 0x80 up as %XX)', () => {
  it('sends a URL with those bytes percent-encoded, as they were', () => {
    expect(parseRecord('http://a.test/caf%E9?q=%FF', 2, 'GET', 'http', true)).toEqual({ kind: 'request', spec: { line: 2, method: 'GET', url: 'http://a.test/caf%E9?q=%FF' } });
    // A host must be UTF-8 once percent-decoded: refused, as any bad host is.
    expect(parseRecord('http://caf%E9.test/', 3, 'GET', 'http', true)).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_URL } });
  });

  it('refuses a JSON spec, whose strings would change, and says why', () => {
    const record = parseRecord('{"url":"http://a.test/","body":"caf%E9"}', 4, 'GET', 'http', true);
    expect(record).toMatchObject({ kind: 'invalid', line: 4, error: { code: RecordErrorCode.INVALID_SPEC, message: expect.stringMatching(/^Not UTF-8/) } });
    // The same text from a UTF-8 line is a spec like any other.
    expect(parseRecord('{"url":"http://a.test/","body":"caf%E9"}', 4)).toMatchObject({ kind: 'request', spec: { body: 'caf%E9' } });
  });
});

describe('requestKey', () => {
  it('includes method and body, so different requests are never merged', () => {
    const base = { url: 'http://a.test/', method: 'POST' };
    expect(requestKey({ ...base, body: 'a' })).not.toBe(requestKey({ ...base, body: 'b' }));
    expect(requestKey(base)).not.toBe(requestKey({ ...base, method: 'PUT' }));
    expect(requestKey({ ...base, headers: { a: '1', b: '2' } })).toBe(requestKey({ ...base, headers: { b: '2', a: '1' } }));
  });
});

describe('parseRecord: whitespace in a URL line', () => {
  it('is EINVALIDURL; a method before the URL (vegeta, HTTP logs) gets -X and the spec line as the way', () => {
    expect(parseRecord('POST http://a.test/x', 1, 'GET')).toMatchObject({
      kind: 'invalid',
      error: { code: RecordErrorCode.INVALID_URL, message: expect.stringContaining('-X POST sets it for every URL line, a JSON spec line ({"method": "POST", "url": ...}) for one') },
    });
    // Its record shows the method the line asked for (it said GET: select(.method == "DELETE") missed it).
    expect(parseRecord('DELETE http://a.test/x', 1, 'GET')).toMatchObject({ kind: 'invalid', method: 'DELETE' });
    // A note is no method.
    expect(parseRecord('TODO fixme', 1, 'POST')).toMatchObject({ kind: 'invalid', method: 'POST' });
    // A TSV row's URL column is named by its number; cut -f1 sent users to an id column.
    expect(parseRecord('http://a.test/x\t200', 2, 'GET')).toMatchObject({ error: { code: RecordErrorCode.INVALID_URL, message: expect.stringContaining('a TSV line: take its URL column first, e.g. cut -f1') } });
    expect(parseRecord('7\thttps://a.test/x', 2, 'GET')).toMatchObject({ error: { message: expect.stringContaining('a TSV line: take its URL column first, e.g. cut -f2') } });
    expect(parseRecord('http://a.test/x y', 2, 'GET')).toMatchObject({ error: { message: 'URL contains whitespace (one URL a line; a space inside a URL is written %20): "http://a.test/x y"' } });
    expect(parseRecord('  "url": "http://a.test/x",', 2, 'GET')).toMatchObject({ error: { message: expect.stringContaining('a spec is one line (jq -c . writes them so)') } });
    // UTF-16 without its byte order mark, piped: NULs between the characters, not CR line endings.
    expect(parseRecord('h\u0000t\u0000t\u0000p\u0000:\u0000 \u0000\r\u0000', 2, 'GET')).toMatchObject({ error: { message: expect.stringContaining('UTF-16 text without a byte order mark; convert it with iconv -f UTF-16LE -t UTF-8') } });
    // The same piped with LF alone: its first NUL is a control character, and the hint the same.
    expect(parseRecord('h\u0000t\u0000t\u0000p\u0000:\u0000', 2, 'GET')).toMatchObject({ error: { message: expect.stringContaining('control character 0x00 at character 2 (NUL bytes between the characters: UTF-16 text without a byte order mark') } });
    // grep's output of several files, or with -n.
    for (const line of ['urls.txt:3:http://a.test/x', '3:http://a.test/x', 'list.txt:https://a.test/x']) {
      expect(parseRecord(line, 2, 'GET'), line).toMatchObject({ error: { message: expect.stringContaining('grep -h, without -n, gives the URLs alone') } });
    }
    expect(parseRecord('"https://a.test/x",label', 2, 'GET')).toMatchObject({ error: { message: expect.stringContaining('a CSV line: take its URL column first, e.g. cut -d, -f1, and write it without the quotes') } });
    // A file with CR endings alone is one line: the message names them, not TSV.
    expect(parseRecord('http://a.test/1\rhttp://a.test/2', 1, 'GET')).toMatchObject({ error: { code: RecordErrorCode.INVALID_URL, message: expect.stringContaining("lines end in CR alone is one line here; convert it with tr '\\r' '\\n'") } });
    expect(parseRecord('7,https://a.test/x', 4, 'GET')).toMatchObject({ error: { code: RecordErrorCode.INVALID_URL, message: 'Not a valid URL (a CSV line: take its URL column first, e.g. cut -d, -f2): "7,https://a.test/x"' } });
    for (const wrapped of ["'https://a.test/x'", '<https://a.test/x>', '`https://a.test/x`']) {
      expect(parseRecord(wrapped, 5, 'GET')).toMatchObject({ error: { code: RecordErrorCode.INVALID_URL, message: expect.stringMatching(/^Not a valid URL \(a URL between quotes or <>: write it without them; a JSON string in double quotes is taken\): /) } });
    }
    expect(parseRecord('"https://a.test/x"', 6, 'GET')).toMatchObject({ kind: 'request' });
    // A spec's url is a JSON string: no hint about the input's lines (CR endings, TSV columns, one URL a line).
    for (const url of ['http://a.test/a\r\n', 'http://a.test/a\tb', 'http://a.test/a ']) {
      expect(parseRecord(JSON.stringify({ url }), 7, 'GET'), url).toMatchObject({ error: { code: RecordErrorCode.INVALID_URL, message: `URL contains whitespace (a URL holds none: write a space as %20): ${JSON.stringify(url)}` } });
    }
    // So is a JSON string line's: its \r\n came from escapes, not from the file's line ends.
    for (const url of ['http://a.test/a\r\nX-Inj: 1', 'http://a.test/a\tb']) {
      expect(parseRecord(JSON.stringify(url), 7, 'GET'), url).toMatchObject({ error: { code: RecordErrorCode.INVALID_URL, message: `URL contains whitespace (a URL holds none: write a space as %20): ${JSON.stringify(url)}` } });
    }
    // A no-break space (or any Unicode space) at a line's end is not trimmed away into another request: it is whitespace.
    // A line of no-break spaces alone is blank, and a # after them a comment (they were, before only ASCII space was trimmed).
    expect(['\u00a0', ' \u00a0\u2003 ', '\u00a0# note', '\u3000#'].map((blank) => parseRecord(blank, 9, 'GET').kind)).toEqual(['skip', 'skip', 'skip', 'skip']);
    expect(parseRecord('\u00a0http://a.test/', 9, 'GET')).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_URL } });
    // Invisible characters pasted with a URL (a zero-width space, a soft hyphen, NEL, a direction mark) asked for
    // another resource than the one seen; typographic quotes and a space in a file's name get their hints.
    for (const [text, code] of [['http://a.test/x\u200b', '200B'], ['\u200bhttp://a.test/x', '200B'], ['http://a.test/s\u00adh', '00AD'], ['http://a.test/n\u0085', '0085'], ['http://a.test/r\u200f', '200F']]) {
      expect(parseRecord(text as string, 9, 'GET'), code).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_URL, message: expect.stringMatching(new RegExp(`^URL contains an invisible character \\(U\\+${code} at character \\d+, a zero-width or formatting character`)) } });
    }
    // A spreadsheet export's header row was a host named url, looked up in DNS (ENOTFOUND: "is it spelled right?").
    for (const header of ['url', 'URL', '"Url"', 'url,name', 'url;note', 'Url\tname']) expect(parseRecord(header, 1, 'GET'), header).toMatchObject({ error: { code: RecordErrorCode.INVALID_URL, message: expect.stringMatching(/^A CSV header row, not a URL: give the list without it \(tail -n \+2 FILE\)/) } });
    expect(parseRecord('urls.example.com', 1, 'GET')).toMatchObject({ kind: 'request' });
    // Further down a list, or named link, it is a host's name (a container's, say).
    expect([parseRecord('url', 3, 'GET').kind, parseRecord('link', 1, 'GET').kind]).toEqual(['request', 'request']);
    // Zero-width joiners are characters of emoji sequences and of Persian and Indic words, and the vowel separator one of Mongolian words.
    expect(parseRecord('http://a.test/\u{1f469}\u200d\u{1f4bb}?q=\u0645\u06cc\u200c\u062e', 3, 'GET').kind).toBe('request');
    expect(parseRecord('http://a.test/\u182c\u1820\u1837\u180e\u1820', 3, 'GET').kind).toBe('request');
    expect(parseRecord('\u201chttp://a.test/x\u201d', 9, 'GET')).toMatchObject({ error: { message: expect.stringContaining('(a URL between typographic quotes, pasted from a document?: write it without them)') } });
    expect(parseRecord('http://a.test/my file.pdf', 9, 'GET')).toMatchObject({ error: { message: expect.stringContaining('(one URL a line; a space inside a URL is written %20)') } });
    expect(parseRecord('http://a.test/nbsp\u00a0', 8, 'GET')).toMatchObject({ error: { code: RecordErrorCode.INVALID_URL, message: expect.stringContaining('URL contains whitespace (U+00A0 at character 19, a Unicode space (pasted from a web page or a document?); where it belongs in the URL, write it as %C2%A0)') } });
    // A byte order mark at a line's start (a file joined to the list with cat) is taken off, as the file's first one is.
    expect(parseRecord('\ufeffhttp://a.test/bom', 9, 'GET')).toMatchObject({ kind: 'request', spec: { url: 'http://a.test/bom' } });
    expect(parseRecord('\u3000http://a.test/ideo', 8, 'GET')).toMatchObject({ error: { code: RecordErrorCode.INVALID_URL } });
    expect(parseRecord(' \thttp://a.test/ascii \r', 8, 'GET')).toMatchObject({ kind: 'request', spec: { url: 'http://a.test/ascii' } });
    expect(parseRecord('X-Account-ID: 8675309', 3, 'GET')).toMatchObject({ error: { code: RecordErrorCode.INVALID_URL, message: expect.stringContaining("a header line is not read: -H 'Name: value' sets it for every record") } });
  });
});

describe('parseRecord: a control character in a URL', () => {
  it('is EINVALIDURL naming it, where WHATWG parsing would strip it from an end or percent-encode it and send the request', () => {
    for (const [text, code, at] of [
      ['http://a.test/x\u0000y', '0x00', 16],
      ['\u0001http://a.test/', '0x01', 1],
      ['http://a.test/\u001b[0m', '0x1B', 15],
      ['a.test/\u007f', '0x7F', 8],
    ] as const) {
      expect(parseRecord(text, 1, 'GET')).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_URL, message: expect.stringContaining(`URL contains control character ${code} at character ${at}: `) } });
    }
    expect(spec({ url: 'http://a.test/\u0007' })).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_URL, message: expect.stringContaining('control character 0x07') } });
    // Characters from 0x80 up are not controls here: they are percent-encoded, as before.
    expect(parseRecord('http://a.test/caf\u00e9', 1, 'GET')).toMatchObject({ kind: 'request' });
  });
});

describe('parseRecord: a curl config file (curl -Z -K FILE) given as input', () => {
  const config = ['url = "http://a.test/1"', 'output = "one.json"', '--url http://a.test/2', 'url="http://a.test/3"', 'header = "X-A: 1"'];

  it('is EINVALIDURL a line, and the message gives the command that takes the URLs out', () => {
    for (const [i, line] of config.entries()) {
      const parsed = parseRecord(line, i + 1, 'GET');
      expect(parsed, line).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_URL, message: expect.stringContaining(`a curl config line (curl -K) is not read; ${line.includes('url') ? '' : 'give its options on the command line, and '}write the URLs out one a line: ${CURL_CONFIG_URLS}`) } });
    }
    // A header line in its own form keeps its own hint.
    expect(parseRecord('Content-Type: text/plain', 9, 'GET')).toMatchObject({ error: { message: expect.stringContaining('a header line is not read') } });
  });

  it('the command given takes out exactly the URLs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulkfetch-curl-config-'));
    try {
      writeFileSync(join(dir, 'FILE'), `${config.join('\n')}\n`);
      expect(execFileSync('sh', ['-c', CURL_CONFIG_URLS], { cwd: dir, encoding: 'utf8' })).toBe('http://a.test/1\nhttp://a.test/2\nhttp://a.test/3\n');
      // Indented, with a space after the URL, and a CRLF file, as curl reads them (they were dropped, or kept the space).
      writeFileSync(join(dir, 'FILE'), '  url = "http://a.test/4"\r\nurl = http://a.test/5 \r\n--url http://a.test/6\r\n');
      expect(execFileSync('sh', ['-c', CURL_CONFIG_URLS], { cwd: dir, encoding: 'utf8' })).toBe('http://a.test/4\nhttp://a.test/5\nhttp://a.test/6\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseRecord: a HEAD with a body', () => {
  it('is EINVALIDSPEC, as -I with -d is a usage error (curl): it went out as a HEAD with its body', () => {
    for (const body of [{ body: 'x' }, { json: {} }, { bodyBase64: 'eA==' }]) {
      expect(spec({ url: 'http://a.test/', method: 'HEAD', ...body })).toMatchObject({ kind: 'invalid', method: 'HEAD', error: { code: RecordErrorCode.INVALID_SPEC, message: expect.stringMatching(/^A HEAD request has no body/) } });
    }
    // -I's HEAD for every record, and a spec that brings a body.
    expect(spec({ url: 'http://a.test/', body: 'x' }, 'HEAD')).toMatchObject({ kind: 'invalid' });
    expect(spec({ url: 'http://a.test/', method: 'HEAD' })).toMatchObject({ kind: 'request' });
  });
});

describe('parseRecord: members a spec does not have', () => {
  it('are EINVALIDSPEC naming the member, never dropped without a word; another tool\'s name gets ours', () => {
    expect(spec({ url: 'http://a.test/', method: 'POST', timeout: 1 })).toMatchObject({
      kind: 'invalid',
      method: 'POST',
      error: { code: RecordErrorCode.INVALID_SPEC, message: 'Unknown member "timeout": the time limit is --timeout, for every record' },
    });
    expect(spec({ url: 'http://a.test/', header: { 'X-A': ['1'] }, body: 'aGk=' })).toMatchObject({ error: { message: expect.stringContaining(`vegeta's "header" is "headers" here`) } });
    expect(spec({ url: 'http://a.test/', meta: { x: 1 }, id: 'r1' })).toMatchObject({ kind: 'invalid', id: 'r1', error: { message: expect.stringMatching(/^Unknown member "meta": a spec has url, method, headers, body, json, bodyBase64 and id/) } });
    // curl's and other clients' names point to where the same thing goes in a spec.
    for (const [name, where] of [['user', /"url" as its userinfo, or as "headers"/], ['auth', /Authorization/], ['cookies', /"Cookie"/], ['form', /x-www-form-urlencoded/], ['query', /query in "url"/], ['referer', /"Referer"/], ['userAgent', /"User-Agent"/], ['follow', /-L/], ['proxy', /-x/]] as const) {
      expect(spec({ url: 'http://a.test/', [name]: 'x' }), name).toMatchObject({ kind: 'invalid', error: { message: expect.stringMatching(where) } });
    }
    // Names Object.prototype has are members like any other, not a lookup of its functions' source.
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(parseRecord(`{"url":"http://a.test/","${name}":{}}`, 1, 'GET'), name).toMatchObject({ kind: 'invalid', error: { message: `Unknown member "${name}": a spec has url, method, headers, body, json, bodyBase64 and id; "id" is echoed in the output line` } });
    }
  });

  it('are EINVALIDSPEC when given twice, at the top or in headers: JSON.parse kept the last and dropped the other without a word', () => {
    const given = (text: string) => parseRecord(text, 1);
    // Its line's url is the raw text: the last value alone is in neither the list nor the line.
    expect(given('{"url":"http://a.test/1","url":"x"}')).toMatchObject({ kind: 'invalid', url: '{"url":"http://a.test/1","url":"x"}', error: { code: RecordErrorCode.INVALID_SPEC, message: expect.stringMatching(/^Member "url" given twice/) } });
    expect(given('{"url":"http://a.test/","method":"GET", "method" : "DELETE"}')).toMatchObject({ error: { message: expect.stringMatching(/^Member "method" given twice/) } });
    expect(given('{"url":"http://a.test/","\\u0069d":"a","id":"b"}')).toMatchObject({ error: { message: expect.stringMatching(/^Member "id" given twice/) } });
    expect(given('{"url":"http://a.test/","headers":{"X-A":"1","X-A":"2"}}')).toMatchObject({ error: { message: expect.stringMatching(/^Member "headers.X-A" given twice.*a list/) } });
    // Two spellings of a header are one field with both values; a JSON body is the user's, passed on as written.
    expect(given('{"url":"http://a.test/","headers":{"X-A":"1","x-a":"2"}}')).toMatchObject({ kind: 'request', spec: { headers: { 'x-a': '1, 2' } } });
    expect(given('{"url":"http://a.test/","method":"POST","json":{"a":1,"a":2,"url":"x"},"id":"{\\"id\\":1}"}')).toMatchObject({ kind: 'request', spec: { body: '{"a":1,"a":2,"url":"x"}' } });
  });

  it('headers may hold lists of values, as vegeta\'s do: one field, joined as -H given twice joins them', () => {
    expect(spec({ url: 'http://a.test/', headers: { 'X-A': ['1', 2], Cookie: ['a=1', 'b=2'] } })).toMatchObject({ kind: 'request', spec: { headers: { 'x-a': '1, 2', cookie: 'a=1; b=2' } } });
    for (const bad of [[], { b: 1 }, true, [['x']]]) {
      expect(spec({ url: 'http://a.test/', headers: { 'X-A': bad } })).toMatchObject({
        kind: 'invalid',
        error: { code: RecordErrorCode.INVALID_HEADER, message: `Header X-A: expected a string, a number or a list of them (null removes it), got ${JSON.stringify(bad)}` },
      });
    }
  });
});

describe('parseRecord: a JSON array written over several lines', () => {
  it('is EINVALIDSPEC on each of its lines, saying how to write one record a line', () => {
    for (const text of ['[', '  "http://a.test/x",', '{"url":"http://a.test/y"},', ']']) {
      expect(parseRecord(text, 1, 'GET'), text).toMatchObject({ kind: 'invalid', error: { code: RecordErrorCode.INVALID_SPEC, message: expect.stringContaining("jq -c '.[]' FILE") } });
    }
    // The same element without its comma is a record, as jq -c '.[]' writes it.
    expect(parseRecord('"http://a.test/x"', 2, 'GET')).toMatchObject({ kind: 'request', spec: { url: 'http://a.test/x' } });
    expect(parseRecord('[::1]:8080/x', 3, 'GET')).toMatchObject({ kind: 'request' });
  });
});
