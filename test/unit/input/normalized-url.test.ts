// The parent takes a URL that passes isNormalizedHttpUrl as its own normal form,
// without parsing it: that is only right if WHATWG parsing gives the same string back.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isNormalizedHttpUrl, normalizedHttpUrlPathStart } from '../../../src/input/normalized-url.js';
import { hashKeyOfBytes, hashRequest, hashRequestBytes, requestHashSeed } from '../../../src/input/request-key.js';
import { hashOrigin } from '../../../src/parent/cache-plan/origin-planner.js';
import { parseRecord } from '../../../src/input/parse-record.js';

/** What parseRecord did before the fast path: the URL parser's own answer. */
function parsedHref(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.username === '' && url.password === '' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** URLs that WHATWG parsing writes back unchanged. */
const IN_NORMAL_FORM = [
  'http://127.0.0.1:8080/item/1',
  'https://example.com/',
  'https://api.example.co.uk/v1/items?id=7&sort=-name',
  'http://a-b.c9.example/x/y.json',
  'http://10.0.0.255:65535/%41%7e',
  'https://example.com/p;a=1/b:c@d!$&()*+,=~_?q=/?x',
  'http://1.2.3.example/',
  'http://0.0.0.0:1/a',
];

describe('isNormalizedHttpUrl', () => {
  it.each(IN_NORMAL_FORM)('takes %s as it is', (text) => {
    expect(isNormalizedHttpUrl(text)).toBe(true);
    expect(parsedHref(text)).toBe(text);
  });

  it.each([
    ['HTTP://example.com/', 'scheme in capitals'],
    ['http://Example.com/', 'host in capitals'],
    ['http://example.com', 'empty path'],
    ['http://example.com?q', 'query without a path'],
    ['http://example.com:80/', 'default port'],
    ['https://example.com:443/', 'default port'],
    ['http://example.com:080/', 'zero-led port'],
    ['http://example.com:65536/', 'port out of range'],
    ['http://user:pw@example.com/', 'credentials'],
    ['http://example.com/a/../b', 'dot segment'],
    ['http://example.com/a/./b', 'dot segment'],
    ['http://example.com/a/%2e%2E/b', 'escaped dot segment'],
    ['http://xn--nxasmq6b.example/', 'IDNA label'],
    ['http://127.1/', 'short IPv4'],
    ['http://0x7f.0.0.1/', 'hex IPv4'],
    ['http://010.0.0.1/', 'octal IPv4'],
    ['http://1.2.3.4.5/', 'numeric last label'],
    ['http://example.com./', 'trailing dot'],
    ['http://example.com/a b', 'space'],
    ['http://example.com/a"b', 'quote'],
    ["http://example.com/?a='b'", 'single quote in the query'],
    ['http://example.com/a{b}', 'braces'],
    ['http://example.com/a^b', 'caret'],
    ['http://example.com/a|b', 'bar'],
    ['http://example.com/a\\b', 'backslash'],
    ['http://example.com/a#frag', 'fragment'],
    ['http://example.com/caf\u00e9', 'non-ASCII'],
    ['http://example.com/%zz', 'malformed escape'],
    ['http://[::1]/', 'IPv6 host'],
    ['ftp://example.com/', 'other scheme'],
  ])('leaves %s to the parser (%s)', (text) => {
    expect(isNormalizedHttpUrl(text)).toBe(false);
    expect(pathStartOfBytes(text)).toBe(-1);
  });

  it('never takes a string the URL parser would write differently', () => {
    const pieces = fc.constantFrom(
      'http://', 'https://', 'HTTP://', 'a', 'Z', '0', '9', '127', '255', '256', '0x', '00', '1', '.', '-', '_',
      ':', ':80', ':443', ':0', ':8080', ':65535', ':99999', '/', '//', '/.', '/..', '%2e', '%2E', '%41', '%', '%g',
      '?', '#', '@', 'u:p@', 'xn--', ' ', '\t', '"', "'", '<', '>', '{', '}', '^', '|', '`', '\\', '[', ']', '~',
      '!', '$', '&', '(', ')', '*', '+', ',', ';', '=', 'é', '\u0000', '\u007f',
    );
    const candidate = fc.tuple(
      fc.constantFrom('http://', 'https://'),
      fc.array(pieces, { maxLength: 6 }).map((p) => p.join('')),
      fc.array(pieces, { maxLength: 10 }).map((p) => p.join('')),
    ).map(([scheme, host, rest]) => `${scheme}${host}${rest}`);
    fc.assert(
      fc.property(fc.oneof(candidate, fc.webUrl({ withQueryParameters: true, withFragments: true })), (text) => {
        if (isNormalizedHttpUrl(text)) expect(parsedHref(text)).toBe(text);
      }),
      { numRuns: 20_000 },
    );
  });

  it('gives parseRecord the same request either way', () => {
    for (const text of ['http://127.0.0.1:8080/item/1', 'https://example.com/p?q=1', 'http://Example.com:80/a/../b']) {
      const record = parseRecord(text, 3, 'GET');
      expect(record).toEqual({ kind: 'request', spec: { line: 3, method: 'GET', url: parsedHref(text) } });
    }
  });
});

/** normalizedHttpUrlPathStart of the text's UTF-8 bytes, placed inside a larger buffer as a chunk's line is. */
function pathStartOfBytes(text: string): number {
  const bytes = Buffer.concat([Buffer.from('x\n'), Buffer.from(text), Buffer.from('\ny')]);
  const start = 2;
  const found = normalizedHttpUrlPathStart(bytes, start, start + Buffer.byteLength(text));
  return found === -1 ? -1 : found - start;
}

describe('normalizedHttpUrlPathStart (the bytes of a line)', () => {
  it.each(IN_NORMAL_FORM)('takes %s, as the string form does, and finds its path', (text) => {
    expect(isNormalizedHttpUrl(text)).toBe(true);
    expect(pathStartOfBytes(text)).toBe(text.indexOf('/', text.indexOf('//') + 2));
  });

  it('never takes bytes whose text the string form refuses, and hashes what it takes as the run hashes the text', () => {
    const pieces = fc.constantFrom(
      'http://', 'https://', 'HTTP://', 'a', 'z', 'Z', '0', '9', '127', '255', '256', '0x', '00', '1', '.', '-', '_',
      ':', ':80', ':443', ':0', ':01', ':8080', ':65535', ':65536', ':99999', ':123456', '/', '//', '/.', '/..', '%2e',
      '%2E', '%41', '%', '%g', '%4', '?', '#', '@', 'u:p@', 'xn--', 'axn--b', ' ', '\t', '"', "'", '<', '>', '{', '}',
      '^', '|', '`', '\\', '[', ']', '~', '!', '$', '&', '(', ')', '*', '+', ',', ';', '=', 'é', '\u0000', '\u007f',
    );
    const candidate = fc.tuple(
      fc.constantFrom('http://', 'https://', 'http:/', 'htt://', ''),
      fc.array(pieces, { maxLength: 7 }).map((p) => p.join('')),
      fc.array(pieces, { maxLength: 10 }).map((p) => p.join('')),
    ).map(([scheme, host, rest]) => `${scheme}${host}${rest}`);
    const method = 'GET';
    const seed = requestHashSeed(method);
    let taken = 0;
    fc.assert(
      fc.property(fc.oneof(candidate, fc.webUrl({ withQueryParameters: true, withFragments: true })), (text) => {
        const pathStart = pathStartOfBytes(text);
        // Refusing is always safe; but on ASCII it refuses only what the string form does, or a list would lose the fast path.
        if (/^[\x00-\x7f]*$/.test(text)) expect(pathStart !== -1).toBe(isNormalizedHttpUrl(text));
        if (pathStart === -1) return;
        taken += 1;
        expect(isNormalizedHttpUrl(text)).toBe(true);
        const bytes = Buffer.from(text);
        expect(hashRequestBytes(seed, bytes, 0, bytes.length)).toBe(hashRequest({ method, url: text }));
        expect(hashKeyOfBytes(bytes, 0, pathStart)).toBe(hashOrigin(text));
      }),
      { numRuns: 20_000 },
    );
    // The property held for something: the fast path was taken.
    expect(taken).toBeGreaterThan(100);
  });

  it.each([
    ['http://axn--b.example/', 'xn-- inside a label'],
    ['http://example.com/a/xn--b', 'xn-- in the path'],
    ['http://example.com:0/', 'port 0'],
    ['http://256.0.0.1/', 'octet over 255'],
    ['http://1.2.3/', 'three numbers'],
    ['http://-a.example/', 'label starting with a hyphen'],
    ['http://a-.example/', 'label ending with a hyphen'],
    ['http://a..example/', 'empty label'],
    ['http://example.com/%4', 'cut escape'],
  ])('refuses %s (%s)', (text) => {
    expect(pathStartOfBytes(text)).toBe(-1);
    expect(isNormalizedHttpUrl(text)).toBe(false);
  });
});
