import { describe, expect, it } from 'vitest';
import { parseProxyUrl, proxyEnvironmentProblem, proxyHref, proxyVariable, unreadUpperHttpProxy } from '../../../src/http/proxy-url.js';

describe('parseProxyUrl: a proxy as curl reads one', () => {
  it.each([
    ['127.0.0.1:3128', 'http://127.0.0.1:3128/'],
    ['proxy.test', 'http://proxy.test:1080/'],
    ['u:p@proxy.test', 'http://u:p@proxy.test:1080/'],
    ['http://proxy.test', 'http://proxy.test:1080/'],
    ['http://proxy.test:80', 'http://proxy.test/'],
    ['https://proxy.test', 'https://proxy.test/'],
    ['HTTPS://proxy.test:8443/', 'https://proxy.test:8443/'],
    ['[::1]', 'http://[::1]:1080/'],
    ['http://[::1]:3128', 'http://[::1]:3128/'],
    [' http://u:p%40ss@h:8080 ', 'http://u:p%40ss@h:8080/'],
    ['socks5://127.0.0.1', 'socks5://127.0.0.1:1080'],
    ['SOCKS5H://u:p@proxy.test:9050', 'socks5h://u:p@proxy.test:9050'],
    // A path, query or fragment says nothing to a proxy: left out, as curl does.
    ['http://proxy.test:3128/path?q#f', 'http://proxy.test:3128/'],
    ['socks5://127.0.0.1:1080/x', 'socks5://127.0.0.1:1080'],
  ])('%s is %s', (text, href) => {
    expect(parseProxyUrl(text)).toEqual({ href });
  });

  it.each([
    ['socks://127.0.0.1:1080', /SOCKS4 proxies are not supported \(socks:\/\/\)/],
    ['socks4a://127.0.0.1:1080', /SOCKS4 proxies are not supported/],
    ['ftp://127.0.0.1:21', /ftp:\/\/ proxies are not supported/],
    ['http://', /does not parse/],
    ['http://a b:1', /does not parse/],
    // Every record's connect was refused, its message naming neither the port nor the proxy.
    ['http://127.0.0.1:0', /its port is 0, which no proxy listens on/],
    ['127.0.0.1:00', /its port is 0/],
    ['socks5://u:p@127.0.0.1:0', /its port is 0/],
  ])('%s is refused, saying why', (text, why) => {
    const parsed = parseProxyUrl(text);
    expect(parsed).toEqual({ problem: expect.stringMatching(why) });
  });

  it('proxyHref is undefined for nothing, and for text that names no proxy', () => {
    expect(proxyHref(undefined)).toBeUndefined();
    expect(proxyHref('')).toBeUndefined();
    expect(proxyHref('socks4://x:1')).toBeUndefined();
    expect(proxyHref('x:1')).toBe('http://x:1/');
  });
});

describe('proxyEnvironmentProblem', () => {
  it('names the variable a run would read and what is wrong with it', () => {
    expect(proxyEnvironmentProblem({ HTTPS_PROXY: 'socks4://127.0.0.1:9' })).toMatch(/^HTTPS_PROXY="socks4:\/\/127.0.0.1:9" is not a proxy .*SOCKS4.*give --proxy$/);
    expect(proxyEnvironmentProblem({ ALL_PROXY: 'socks5h://127.0.0.1:9' })).toBeUndefined();
    expect(proxyEnvironmentProblem({ http_proxy: '127.0.0.1:3128', HTTPS_PROXY: 'https://p.test' })).toBeUndefined();
    expect(proxyEnvironmentProblem({})).toBeUndefined();
  });

  it('does not judge a variable the run does not read: the lower-case one wins, as in curl, and HTTP_PROXY is never read', () => {
    expect(proxyEnvironmentProblem({ https_proxy: 'http://p.test:3128', HTTPS_PROXY: 'socks4://x:1' })).toBeUndefined();
    expect(proxyEnvironmentProblem({ https_proxy: 'socks4://x:1', HTTPS_PROXY: 'http://p.test:3128' })).toMatch(/^https_proxy=/);
    expect(proxyEnvironmentProblem({ HTTP_PROXY: 'socks4://x:1' })).toBeUndefined();
  });
});

describe('proxyVariable: the variable curl reads for a scheme', () => {
  it("is the scheme's own, lower case first, then all_proxy", () => {
    expect(proxyVariable({ http_proxy: 'a:1', HTTP_PROXY: 'b:1', ALL_PROXY: 'c:1' }, 'http')).toEqual(['http_proxy', 'a:1']);
    expect(proxyVariable({ HTTP_PROXY: 'b:1', ALL_PROXY: 'c:1' }, 'http')).toEqual(['ALL_PROXY', 'c:1']);
    expect(unreadUpperHttpProxy({ HTTP_PROXY: 'b:1' })).toMatch(/^HTTP_PROXY is not read/);
    expect([unreadUpperHttpProxy({ HTTP_PROXY: 'b:1', http_proxy: 'a:1' }), unreadUpperHttpProxy({ HTTPS_PROXY: 'b:1' })]).toEqual([undefined, undefined]);
    expect(proxyVariable({ HTTPS_PROXY: 'b:1', all_proxy: 'c:1' }, 'https')).toEqual(['HTTPS_PROXY', 'b:1']);
    expect(proxyVariable({ http_proxy: 'a:1', ALL_PROXY: 'c:1' }, 'https')).toEqual(['ALL_PROXY', 'c:1']);
    expect(proxyVariable({ http_proxy: '' }, 'http')).toBeUndefined();
  });

  it('an all_proxy that names no usable proxy is refused too, once', () => {
    expect(proxyEnvironmentProblem({ ALL_PROXY: 'socks4://127.0.0.1:1080' })).toMatch(/^ALL_PROXY="socks4:\/\/127.0.0.1:1080" is not a proxy .*SOCKS4/);
    expect(proxyEnvironmentProblem({ http_proxy: 'p:1', https_proxy: 'p:1', ALL_PROXY: 'socks4://x:1' })).toBeUndefined();
  });
});
