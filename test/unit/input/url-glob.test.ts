import { describe, expect, it } from 'vitest';
import { parseUrlGlob, type UrlGlob } from '../../../src/input/url-glob.js';

function expand(url: string): string[] {
  const glob = parseUrlGlob(url);
  if ('error' in glob) throw new Error(glob.error);
  return [...glob.urls()];
}

describe("curl's URL globs", () => {
  it('expand sets and ranges, the first glob varying slowest', () => {
    expect(expand('http://h/{a,b}/[1-3]')).toEqual(['http://h/a/1', 'http://h/a/2', 'http://h/a/3', 'http://h/b/1', 'http://h/b/2', 'http://h/b/3']);
    expect(expand('http://site{1,2}.test/')).toEqual(['http://site1.test/', 'http://site2.test/']);
    expect(expand('http://h/x')).toEqual(['http://h/x']);
  });

  it('pad to the first number written with leading zeros, take steps, and run letters', () => {
    expect(expand('http://h/[098-101]')).toEqual(['http://h/098', 'http://h/099', 'http://h/100', 'http://h/101']);
    expect(expand('http://h/[0-20:10]')).toEqual(['http://h/0', 'http://h/10', 'http://h/20']);
    expect(expand('http://h/[a-e:2]')).toEqual(['http://h/a', 'http://h/c', 'http://h/e']);
    expect(expand('http://h/[X-Z]')).toEqual(['http://h/X', 'http://h/Y', 'http://h/Z']);
  });

  it('leave an IPv6 address, escaped characters and one-word braces as written', () => {
    expect(expand('http://[::1]:8080/[1-2]')).toEqual(['http://[::1]:8080/1', 'http://[::1]:8080/2']);
    expect(expand('http://[fe80::1%25eth0]/')).toEqual(['http://[fe80::1%25eth0]/']);
    // A zone ID as typed, %eth0: left for the URL's own check, which says what it is, not a bad range.
    expect(expand('http://[fe80::1%eth0]/')).toEqual(['http://[fe80::1%eth0]/']);
    expect(expand('http://h/\\[1-2\\]')).toEqual(['http://h/[1-2]']);
    expect(expand('http://h/?q={"a":1}')).toEqual(['http://h/?q={"a":1}']);
    // An empty [] ranges over nothing: PHP's array parameters go as typed, as curl sends them.
    expect(expand('http://h/x?a[]=1&a[]={2,3}')).toEqual(['http://h/x?a[]=1&a[]=2', 'http://h/x?a[]=1&a[]=3']);
  });

  it('count without expanding, so a huge range costs nothing until read', () => {
    const glob = parseUrlGlob('http://h/[1-1000000]/[1-1000000]') as UrlGlob;
    expect(glob.count).toBe(1e12);
    const first = glob.urls().next().value;
    expect(first).toBe('http://h/1/1');
  });

  it('refuse what curl refuses, saying where', () => {
    for (const bad of ['http://h/[1-', 'http://h/[2-1]', 'http://h/[a-Z]', 'http://h/[1-5:0]', 'http://h/{a,b', 'http://h/{a,{b}}', 'http://h/]', 'http://h/[x]']) {
      expect(parseUrlGlob(bad), bad).toHaveProperty('error', expect.stringMatching(/at position \d+|\[/));
    }
    expect(parseUrlGlob('http://h/[1-9999999]/[1-9999999]/[1-9999999]')).toHaveProperty('error', expect.stringMatching(/more URLs than can be counted/));
    // Numbers past 2^53 are refused for their size; "the first must not be larger" was said of [1-9999999999999999999].
    for (const big of ['http://h/[1-9999999999999999999]', 'http://h/[9007199254740990-9007199254740995]']) {
      expect(parseUrlGlob(big), big).toHaveProperty('error', expect.stringMatching(/a range past the largest number bulkfetch counts exactly in \[.*\] \(at most 9007199254740991\)/));
    }
    expect(parseUrlGlob('http://h/[2-1]')).toHaveProperty('error', expect.stringMatching(/the first number must not be larger/));
  });
});
