import { describe, expect, it } from 'vitest';
import { noProxyNames, splitNoProxy } from '../../../src/http/proxy-router.js';

describe('splitNoProxy: NO_PROXY as curl reads it', () => {
  it('takes the subnets out for matching addresses, and leaves undici the names', () => {
    const { subnets, names } = splitNoProxy('localhost, .internal.test,10.0.0.0/8 127.0.0.1/32,[fd00::]/8,host:8080');
    expect(names).toBe('localhost,.internal.test,host:8080');
    expect(subnets?.check('10.1.2.3', 'ipv4')).toBe(true);
    expect(subnets?.check('127.0.0.1', 'ipv4')).toBe(true);
    expect(subnets?.check('127.0.0.2', 'ipv4')).toBe(false);
    expect(subnets?.check('fd12::1', 'ipv6')).toBe(true);
    expect(subnets?.check('fe80::1', 'ipv6')).toBe(false);
  });

  it('takes a bare address as its own subnet: undici reads `::1` as a host and port and matched nothing', () => {
    const { subnets, names } = splitNoProxy('localhost,127.0.0.1,::1,[fe80::2]');
    expect(names).toBe('localhost');
    expect(subnets?.check('127.0.0.1', 'ipv4')).toBe(true);
    expect(subnets?.check('127.0.0.2', 'ipv4')).toBe(false);
    expect(subnets?.check('::1', 'ipv6')).toBe(true);
    expect(subnets?.check('fe80::2', 'ipv6')).toBe(true);
    expect(subnets?.check('::2', 'ipv6')).toBe(false);
  });

  it('has no subnets to check when NO_PROXY names none; a prefix too long is a name, as it matches nothing', () => {
    expect(splitNoProxy('localhost,host.test:8080')).toEqual({ subnets: undefined, names: 'localhost,host.test:8080' });
    expect(splitNoProxy('127.0.0.0/33')).toEqual({ subnets: undefined, names: '127.0.0.0/33' });
    expect(splitNoProxy('')).toEqual({ subnets: undefined, names: '' });
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
