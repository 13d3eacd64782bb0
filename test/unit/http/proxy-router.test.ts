import { describe, expect, it } from 'vitest';
import { inSubnets, noProxyNames, proxyChoice, splitNoProxy, type Subnets } from '../../../src/http/proxy-router.js';

const within = (subnets: Subnets | undefined, host: string): boolean => subnets !== undefined && inSubnets(subnets, `http://${host.includes(':') ? `[${host}]` : host}/`);

describe('proxyChoice: the variables as curl reads them', () => {
  it('takes an empty no_proxy as unset, so NO_PROXY applies (it hid it, and the hosts it names went through the proxy)', () => {
    expect(proxyChoice(undefined, { http_proxy: 'http://127.0.0.1:9', no_proxy: '', NO_PROXY: 'localhost' })?.noProxy).toBe('localhost');
    expect(proxyChoice(undefined, { http_proxy: 'http://127.0.0.1:9', no_proxy: 'a.test', NO_PROXY: 'localhost' })?.noProxy).toBe('a.test');
  });
});

describe('splitNoProxy: NO_PROXY as curl reads it', () => {
  it('takes the subnets out for matching addresses, and leaves undici the names', () => {
    const { subnets, names } = splitNoProxy('localhost, .internal.test,10.0.0.0/8 127.0.0.1/32,[fd00::]/8,host:8080');
    expect(names).toBe('localhost,localhost.,.internal.test,.internal.test.,host:8080,host.:8080');
    expect(['10.1.2.3', '127.0.0.1', '127.0.0.2', 'fd12::1', 'fe80::1'].map((host) => within(subnets, host))).toEqual([true, true, false, true, false]);
  });

  it('takes a bare address as its own subnet: undici reads `::1` as a host and port and matched nothing', () => {
    const { subnets, names } = splitNoProxy('localhost,127.0.0.1,::1,[fe80::2]');
    expect(names).toBe('localhost,localhost.');
    expect(['127.0.0.1', '127.0.0.2', '::1', 'fe80::2', '::2'].map((host) => within(subnets, host))).toEqual([true, false, true, true, false]);
  });

  it('matches an address against the subnets of its family alone, as curl: ::/0 is every IPv6 host, no IPv4 one', () => {
    // Before: node:net matched 127.0.0.1 as ::ffff:127.0.0.1, inside ::/0, and it went direct.
    const { subnets } = splitNoProxy('::/0');
    expect(within(subnets, '::1')).toBe(true);
    expect(within(subnets, '127.0.0.1')).toBe(false);
    expect(within(splitNoProxy('0.0.0.0/0').subnets, '::ffff:127.0.0.1')).toBe(false);
    expect(within(splitNoProxy('0.0.0.0/0').subnets, '10.9.8.7')).toBe(true);
  });

  it('leaves out entries of digits and dots that are no whole address: as names they matched an address by its end (0.1 took 127.0.0.1)', () => {
    const { subnets, names } = splitNoProxy('1,.1,0.1,*.0.1,0.0.1,0.1:80,127.0.0.1:8080,a1.test');
    expect(subnets).toBeUndefined();
    expect(names).toBe('127.0.0.1:8080,127.0.0.1.:8080,a1.test,a1.test.');
    expect(noProxyNames(names)('http://127.0.0.1')).toBe(false);
  });

  it('has no subnets to check when NO_PROXY names none; a prefix too long is a name, as it matches nothing', () => {
    expect(splitNoProxy('localhost,host.test:8080')).toEqual({ subnets: undefined, names: 'localhost,localhost.,host.test:8080,host.test.:8080' });
    expect(splitNoProxy('127.0.0.0/33')).toEqual({ subnets: undefined, names: '127.0.0.0/33' });
    expect(splitNoProxy('')).toEqual({ subnets: undefined, names: '' });
  });

  it("drops an entry's root dot, as curl does: localhost. is localhost (it went through the proxy)", () => {
    // Both spellings go to undici, which matches the URL's host as written: http://a.test./ too, as curl.
    expect(splitNoProxy('localhost.,a.test.:8080,.b.test.').names).toBe('localhost,localhost.,a.test:8080,a.test.:8080,.b.test,.b.test.');
    expect(noProxyNames('localhost.')('http://localhost:3000')).toBe(true);
  });
});

describe('noProxyNames: NO_PROXY names for a SOCKS proxy, as curl matches them', () => {
  it('matches a host and the hosts under it, any case, a port only where one is given; * matches all', () => {
    const direct = noProxyNames('localhost, .Internal.test,host.test:8080,[::1]');
    expect(direct('http://localhost:3000')).toBe(true);
    expect(direct('https://a.b.internal.test')).toBe(true);
    expect(direct('https://internal.test')).toBe(true);
    expect(direct('https://notinternal.test')).toBe(false);
    expect(direct('http://host.test:8080')).toBe(true);
    expect(direct('http://host.test')).toBe(false);
    expect(direct('http://[::1]:9')).toBe(true);
    expect(direct('http://example.test')).toBe(false);
    expect(noProxyNames('*')('https://anything.test')).toBe(true);
    expect(noProxyNames('')('https://anything.test')).toBe(false);
  });
});
