import { describe, expect, it } from 'vitest';
import { hashKey, hashRequest, shardOf, requestKey } from '../../../src/input/request-key.js';
import { parseRecord } from '../../../src/input/parse-record.js';

function keyOf(text: string): string {
  const r = parseRecord(text, 1);
  if (r.kind !== 'request') throw new Error(`not a request: ${text}`);
  return requestKey(r.spec);
}

describe('requestKey', () => {
  it('is the same for URLs that normalize alike', () => {
    expect(keyOf('HTTP://EXAMPLE.com:80/a')).toBe(keyOf('http://example.com/a'));
    expect(keyOf('{"url":"http://example.com/a"}')).toBe(keyOf('http://example.com/a'));
    // The fragment is never sent: a page's anchors are one request (they were fetched once each).
    expect(keyOf('http://example.com/a#one')).toBe(keyOf('http://example.com/a#two'));
    expect(keyOf('http://example.com/a#one')).toBe(keyOf('http://example.com/a'));
    expect(keyOf('http://example.com/a?q=%23#one')).not.toBe(keyOf('http://example.com/a'));
  });

  it('differs by method, body and record headers, not by header order', () => {
    const base = keyOf('{"url":"http://a/"}');
    expect(keyOf('{"url":"http://a/","method":"POST"}')).not.toBe(base);
    expect(keyOf('{"url":"http://a/","method":"POST","body":"1"}')).not.toBe(keyOf('{"url":"http://a/","method":"POST","body":"2"}'));
    expect(keyOf('{"url":"http://a/","headers":{"a":"1","b":"2"}}')).toBe(keyOf('{"url":"http://a/","headers":{"b":"2","a":"1"}}'));
    expect(keyOf('{"url":"http://a/","headers":{"a":"1"}}')).not.toBe(base);
    // A removal is not the text "null", nor an empty value.
    const removed = keyOf('{"url":"http://a/","headers":{"a":null}}');
    expect(removed).not.toBe(keyOf('{"url":"http://a/","headers":{"a":"null"}}'));
    expect(removed).not.toBe(keyOf('{"url":"http://a/","headers":{"a":""}}'));
    expect(removed).not.toBe(base);
  });

  it('tells a base64 body from a text body of the same characters, and from any text body', () => {
    const post = (body: string) => keyOf(`{"url":"http://a/","method":"POST",${body}}`);
    expect(post('"bodyBase64":"QUJD"')).not.toBe(post('"body":"QUJD"'));
    expect(post('"bodyBase64":"QUJD"')).not.toBe(post('"body":"\\u0000base64\\n\\nQUJD"'));
    expect(post('"bodyBase64":"QUJD"')).toBe(post('"bodyBase64":"QUJD"'));
    expect(post('"bodyBase64":"QUJD"')).not.toBe(post('"bodyBase64":"QUJE"'));
  });
});

describe('hash routing', () => {
  it('is deterministic and unsigned 32-bit', () => {
    expect(hashKey('GET http://a/')).toBe(hashKey('GET http://a/'));
    expect(hashKey('x')).toBeGreaterThanOrEqual(0);
    expect(hashKey('x')).toBeLessThan(2 ** 32);
  });

  it('hashRequest is hashKey(requestKey(spec)), with and without record headers and body', () => {
    const texts = [
      'http://a/',
      'https://example.com:8443/p?q=1',
      'HTTP://EXAMPLE.com:80/a%20b',
      'http://hé.example/ü',
      '{"url":"http://a/","method":"POST","body":"1"}',
      '{"url":"http://a/","headers":{"b":"2","a":null}}',
      '{"url":"http://a/","method":"DELETE"}',
      'http://a/p#frag',
      '{"url":"http://a/p?x=1#frag","headers":{"a":"1"}}',
    ];
    for (const text of texts) {
      const r = parseRecord(text, 1);
      if (r.kind !== 'request') throw new Error(`not a request: ${text}`);
      expect(hashRequest(r.spec), text).toBe(hashKey(requestKey(r.spec)));
    }
    expect(hashRequest({ method: 'GET', url: 'http://a/' })).not.toBe(hashRequest({ method: 'GET', url: 'http://a/x' }));
  });

  it('spreads 100k sequential URLs over 4 and 8 buckets within 3% of each other', () => {
    for (const buckets of [4, 8]) {
      const counts = new Array<number>(buckets).fill(0);
      for (let i = 0; i < 100_000; i++) counts[shardOf(hashKey(`GET http://127.0.0.1:8080/item/${i}?q=${i}`), buckets)]! += 1;
      const min = Math.min(...counts);
      const max = Math.max(...counts);
      expect((max - min) / max).toBeLessThan(0.03);
    }
  });
});
