import { describe, expect, it } from 'vitest';
import { RedirectCookies } from '../../../src/http/redirect-cookies.js';
import type { AttemptRequest } from '../../../src/http/send-request.js';

const request = (url: string, cookie?: string): AttemptRequest => ({ url, method: 'GET', headers: cookie === undefined ? {} : { cookie } }) as AttemptRequest;
const cookieFor = (jar: RedirectCookies, url: string, own?: string) => jar.onto(request(url, own)).headers.cookie;

describe('RedirectCookies (RFC 6265, for one record)', () => {
  it('a cookie without Domain goes back to its host alone; with Domain, to the names under it', () => {
    const jar = new RedirectCookies();
    jar.store(['host=1', 'site=2; Domain=.example.com'], 'http://www.example.com/a');
    expect(cookieFor(jar, 'http://www.example.com/')).toBe('host=1; site=2');
    expect(cookieFor(jar, 'http://api.example.com/')).toBe('site=2');
    expect(cookieFor(jar, 'http://example.com/')).toBe('site=2');
    expect(cookieFor(jar, 'http://example.org/')).toBeUndefined();
  });

  it('ignores a Domain the host is not under, and a domain for an address', () => {
    const jar = new RedirectCookies();
    jar.store(['other=1; Domain=evil.test', 'sub=1; Domain=www.example.com'], 'http://example.com/');
    jar.store(['ip=1; Domain=0.1'], 'http://127.0.0.1/');
    expect(cookieFor(jar, 'http://evil.test/')).toBeUndefined();
    expect(cookieFor(jar, 'http://www.example.com/')).toBeUndefined();
    expect(cookieFor(jar, 'http://127.0.0.1/')).toBeUndefined();
  });

  it('holds __Secure- and __Host- cookies to their prefixes: Secure; and for __Host-, Path=/ without Domain (RFC 6265bis, curl)', () => {
    const jar = new RedirectCookies();
    jar.store(
      ['__Secure-a=1', '__Host-b=2; Secure; Path=/; Domain=example.test', '__Host-c=3; Path=/', '__Host-d=4; Secure; Path=/', '__Secure-e=5; Secure', '__host-f=6; Path=/', '__Host-g=7; Secure', '__Hostx=8'],
      'https://a.example.test/r',
    );
    expect(cookieFor(jar, 'https://a.example.test/final')).toBe('__Host-d=4; __Secure-e=5; __Hostx=8');
    // The Domain one would have gone to the sibling host.
    expect(cookieFor(jar, 'https://b.example.test/')).toBeUndefined();
  });

  it('matches paths by segment, the default path being the directory of the URL that set it; longest path first', () => {
    const jar = new RedirectCookies();
    jar.store(['dir=1', 'root=1; Path=/', 'exact=1; Path=/app/login'], 'http://h.test/app/login');
    expect(cookieFor(jar, 'http://h.test/app/login/x')).toBe('exact=1; dir=1; root=1');
    expect(cookieFor(jar, 'http://h.test/app/')).toBe('dir=1; root=1');
    expect(cookieFor(jar, 'http://h.test/apple')).toBe('root=1');
  });

  it('keeps Secure cookies to https; Max-Age 0 and a past Expires delete; the record\'s own cookie comes after the engine\'s, as curl', () => {
    const jar = new RedirectCookies();
    jar.store(['s=1; Secure', 'a=1', 'b=1'], 'https://h.test/');
    jar.store(['a=x; Max-Age=0', 'b=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'c=1; Max-Age=60'], 'https://h.test/');
    expect(cookieFor(jar, 'https://h.test/', 'mine=1')).toBe('s=1; c=1; mine=1');
    expect(cookieFor(jar, 'http://h.test/')).toBe('c=1');
  });

  it('ignores a Secure cookie set over plain http, and a Domain without a dot in it (a top-level name), as curl and browsers do', () => {
    const jar = new RedirectCookies();
    // Planted on an http hop, it would have gone to the https site; Domain=test to every site under .test.
    jar.store(['planted=1; Secure', 'tld=1; Domain=test', 'ok=1; Domain=a.test'], 'http://a.test/');
    expect(cookieFor(jar, 'https://a.test/')).toBe('ok=1');
    expect(cookieFor(jar, 'http://b.test/')).toBeUndefined();
    // Over loopback, secure enough (curl 7.79+ and browsers take it as a secure context).
    jar.store(['local=1; Secure', 'named=1; Domain=localhost'], 'http://localhost/');
    expect(cookieFor(jar, 'https://localhost/')).toBe('local=1; named=1');
    // localhost is a top-level name too: its Domain leaves the cookie localhost's own, not every *.localhost site's.
    expect(cookieFor(jar, 'http://app.localhost/')).toBeUndefined();
    jar.store(['sid=1; Domain=localhost', 'dotted=1; Domain=.localhost'], 'http://app.localhost/');
    expect(cookieFor(jar, 'http://evil.localhost/')).toBeUndefined();
    expect(cookieFor(jar, 'http://app.localhost/')).toBeUndefined();
  });

  it('a cookie set again replaces the one before; no more than 50 are kept', () => {
    const jar = new RedirectCookies();
    jar.store(['a=1', 'a=2'], 'http://h.test/');
    expect(cookieFor(jar, 'http://h.test/')).toBe('a=2');
    jar.store(Array.from({ length: 60 }, (_, i) => `n${i}=1`), 'http://h.test/');
    const kept = cookieFor(jar, 'http://h.test/')?.split('; ') ?? [];
    expect(kept).toHaveLength(50);
    expect(kept[0]).toBe('n10=1');
  });

  it('ignores a field without a name: value pair', () => {
    const jar = new RedirectCookies();
    jar.store(['novalue', '=anonymous', ''], 'http://h.test/');
    expect(cookieFor(jar, 'http://h.test/')).toBeUndefined();
  });
});
