// The parent takes a URL that passes isNormalizedHttpUrl as its own normal form,
// without parsing it: that is only right if WHATWG parsing gives the same string back.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isNormalizedHttpUrl } from '../../../src/input/normalized-url.js';
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

describe('isNormalizedHttpUrl', () => {
  it.each([
    'http://127.0.0.1:8080/item/1',
    'https://example.com/',
    'https://api.example.co.uk/v1/items?id=7&sort=-name',
    'http://a-b.c9.example/x/y.json',
    'http://10.0.0.255:65535/%41%7e',
    'https://example.com/p;a=1/b:c@d!$&()*+,=~_?q=/?x',
    'http://1.2.3.example/',
  ])('takes %s as it is', (text) => {
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
