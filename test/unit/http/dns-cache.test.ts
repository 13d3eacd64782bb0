import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { cachedLookup } from '../../../src/http/dns-cache.js';

function lookupOnce(lookup: ReturnType<typeof cachedLookup>, host: string, all: boolean): Promise<unknown> {
  return new Promise((resolve, reject) => {
    lookup(host, { all, family: 0 }, (error, address, family) => (error ? reject(error) : resolve(all ? address : { address, family })));
  });
}

describe('cachedLookup', () => {
  it('resolves a name once for many connections, concurrent ones included', async () => {
    let calls = 0;
    const lookup = cachedLookup({
      ttlMs: 60_000,
      maxHosts: 10,
      resolve: async (): Promise<LookupAddress[]> => {
        calls++;
        return [{ address: '127.0.0.2', family: 4 }, { address: '::1', family: 6 }];
      },
    });
    await Promise.all([lookupOnce(lookup, 'a.test', true), lookupOnce(lookup, 'a.test', true)]);
    expect(await lookupOnce(lookup, 'a.test', false)).toEqual({ address: '127.0.0.2', family: 4 });
    expect(await lookupOnce(lookup, 'a.test', true)).toHaveLength(2);
    expect(calls).toBe(1);
    await lookupOnce(lookup, 'b.test', true);
    expect(calls).toBe(2);
  });

  it('does not cache failures', async () => {
    let calls = 0;
    const lookup = cachedLookup({
      ttlMs: 60_000,
      maxHosts: 10,
      resolve: async () => {
        calls++;
        throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
      },
    });
    await expect(lookupOnce(lookup, 'x.test', true)).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(lookupOnce(lookup, 'x.test', true)).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(calls).toBe(2);
  });

  it('asks again after the TTL', async () => {
    let calls = 0;
    const lookup = cachedLookup({ ttlMs: 20, maxHosts: 10, resolve: async () => (calls++, [{ address: '127.0.0.1', family: 4 }]) });
    await lookupOnce(lookup, 'a.test', true);
    await new Promise((r) => setTimeout(r, 60));
    await lookupOnce(lookup, 'a.test', true);
    expect(calls).toBe(2);
  });

  it('resolves real names through the system resolver', async () => {
    const lookup = cachedLookup({ ttlMs: 1000, maxHosts: 10 });
    const addresses = (await lookupOnce(lookup, 'localhost', true)) as LookupAddress[];
    expect(addresses.length).toBeGreaterThan(0);
  });
});
