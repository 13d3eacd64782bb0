import { describe, expect, it } from 'vitest';
import { protocolsFlag } from '../../../src/options/protocol-flags.js';
import { bothAllow, onlyScheme } from '../../../src/input/allowed-protocols.js';

describe("curl's --proto lists", () => {
  const proto = protocolsFlag('--proto', { emptyAllowed: false });
  const redir = protocolsFlag('--proto-redir', { emptyAllowed: true });

  it('apply their changes left to right from every protocol, as curl does', () => {
    expect(proto('=https')).toBe('https');
    expect(proto('-http')).toBe('https');
    expect(proto('-all,https')).toBe('https');
    expect(proto('=https,http')).toBe('http,https');
    expect(proto('all')).toBe('http,https');
    expect(proto('+https')).toBe('http,https');
    expect(proto(' =HTTPS , ')).toBe('https');
    // curl's other protocols are taken, and fetch nothing here.
    expect(proto('=ftp,https')).toBe('https');
    expect(proto('-ftps')).toBe('http,https');
    expect(redir('-all')).toBe('');
  });

  it('refuse a name that is no protocol, and a --proto that leaves none', () => {
    expect(() => proto('=htps')).toThrow('Expected --proto to be a list of protocols as curl\'s (=https, -http, all), got "=htps": "htps" is no protocol');
    expect(() => proto('=ftp')).toThrow('--proto "=ftp" leaves no protocol to fetch');
    expect(() => redir('=gopher')).not.toThrow();
  });

  it('come down to one scheme a URL must have, and a redirect may use what both allow', () => {
    expect([onlyScheme('http,https'), onlyScheme('https'), onlyScheme('http'), onlyScheme('')]).toEqual([undefined, 'https:', 'http:', 'none']);
    expect([bothAllow('http,https', 'https'), bothAllow('http', 'https'), bothAllow('https', 'http,https'), bothAllow('http,https', '')]).toEqual(['https', '', 'https', '']);
  });
});
