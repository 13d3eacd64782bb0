import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { cachedLookup, lookingUp, lookupSlots, lookupsUnderway } from '../../../src/http/dns-cache.js';

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
      maxLookups: 4,
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

  it('answers localhost and names under .localhost with the loopback, both families, without the resolver (RFC 6761, as curl)', async () => {
    let calls = 0;
    const lookup = cachedLookup({ ttlMs: 60_000, maxHosts: 10, maxLookups: 4, resolve: async () => { calls++; return [{ address: '127.0.0.9', family: 4 }]; } });
    const both = [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }];
    expect(await lookupOnce(lookup, 'localhost', true)).toEqual(both);
    expect(await lookupOnce(lookup, 'App.Localhost.', true)).toEqual(both);
    expect(await lookupOnce(lookup, 'app.localhost', false)).toEqual({ address: '127.0.0.1', family: 4 });
    const v6 = await new Promise((resolve) => lookup('localhost', { all: true, family: 6 }, (_error, addresses) => resolve(addresses)));
    expect(v6).toEqual([{ address: '::1', family: 6 }]);
    expect(calls).toBe(0);
    await lookupOnce(lookup, 'localhost.test', true);
    expect(calls).toBe(1);
  });

  it('does not cache failures', async () => {
    let calls = 0;
    const lookup = cachedLookup({
      ttlMs: 60_000,
      maxHosts: 10,
      maxLookups: 4,
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
    const lookup = cachedLookup({ ttlMs: 20, maxHosts: 10, maxLookups: 4, resolve: async () => (calls++, [{ address: '127.0.0.1', family: 4 }]) });
    await lookupOnce(lookup, 'a.test', true);
    await new Promise((r) => setTimeout(r, 60));
    await lookupOnce(lookup, 'a.test', true);
    expect(calls).toBe(2);
  });

  it('keeps at most maxHosts names and runs at most maxLookups lookups at once', async () => {
    let running = 0;
    let most = 0;
    let calls = 0;
    const lookup = cachedLookup({
      ttlMs: 60_000,
      maxHosts: 5,
      maxLookups: 3,
      resolve: async (): Promise<LookupAddress[]> => {
        calls++;
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    await Promise.all(Array.from({ length: 40 }, (_, i) => lookupOnce(lookup, `h${i}.test`, true)));
    expect(most).toBe(3);
    // The first names were pushed out by the later ones: asked again.
    await lookupOnce(lookup, 'h0.test', true);
    await lookupOnce(lookup, 'h39.test', true);
    expect(calls).toBe(41);
  });

  it('does not run a queued lookup no connect waits for any more: a resolver sitting on lookups made the queue grow by every record, and the next names wait behind them', async () => {
    const started: string[] = [];
    let release = (): void => {};
    const lookup = cachedLookup({
      ttlMs: 60_000,
      maxHosts: 100,
      maxLookups: 1,
      abandonAfterMs: 50,
      resolve: (hostname) => {
        started.push(hostname);
        if (hostname !== 'stuck.test') return Promise.resolve([{ address: '127.0.0.2', family: 4 }]);
        return new Promise((resolve) => (release = () => resolve([{ address: '127.0.0.3', family: 4 }])));
      },
    });
    const stuck = lookupOnce(lookup, 'stuck.test', false);
    // Never answered: each connect's own timer ends it, "Resolving timed out" (an error of the drop's own reached a connect about to).
    const answered: string[] = [];
    for (const name of ['a.test', 'b.test']) lookup(name, { all: false, family: 0 }, () => answered.push(name));
    // Asked for again just before the turn comes: someone waits for it, so it runs.
    const renewed = lookupOnce(lookup, 'c.test', false);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const again = lookupOnce(lookup, 'c.test', false);
    expect(lookupsUnderway()).toBe(true);
    release();
    expect(await stuck).toEqual({ address: '127.0.0.3', family: 4 });
    expect(await renewed).toEqual({ address: '127.0.0.2', family: 4 });
    expect(await again).toEqual({ address: '127.0.0.2', family: 4 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toEqual([]);
    expect(started).toEqual(['stuck.test', 'c.test']);
    expect(lookupsUnderway()).toBe(false);
    expect(lookingUp('a.test')).toBeUndefined();
  });

  it('looks a name up once while its lookup runs, however many names are in flight: past the cache\'s size, a name asked again was looked up again', async () => {
    const started: string[] = [];
    const waiting: Array<() => void> = [];
    const lookup = cachedLookup({
      ttlMs: 60_000,
      maxHosts: 2,
      maxLookups: 10,
      resolve: (hostname) => {
        started.push(hostname);
        return new Promise((resolve) => waiting.push(() => resolve([{ address: '127.0.0.2', family: 4 }])));
      },
    });
    const names = ['a.test', 'b.test', 'c.test', 'd.test', 'e.test'];
    const first = names.map((name) => lookupOnce(lookup, name, false));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(lookingUp('a.test')).toBe('running');
    const again = names.map((name) => lookupOnce(lookup, name, false));
    for (const release of waiting) release();
    await Promise.all([...first, ...again]);
    expect(started).toEqual(names);
  });

  it('resolves real names through the system resolver', async () => {
    const lookup = cachedLookup({ ttlMs: 1000, maxHosts: 10, maxLookups: 4 });
    const addresses = (await lookupOnce(lookup, 'localhost', true)) as LookupAddress[];
    expect(addresses.length).toBeGreaterThan(0);
  });
});

describe('lookupSlots', () => {
  it('lets three quarters of libuv\'s thread pool run lookups: 48 of a child\'s 64 threads, at least one', () => {
    expect(lookupSlots(64)).toBe(48);
    expect(lookupSlots(4)).toBe(3);
    expect(lookupSlots(1)).toBe(1);
  });
});
