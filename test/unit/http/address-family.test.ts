import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { familyLookup } from '../../../src/http/address-family.js';

/** A lookup that fails as getaddrinfo does for `hostname`, after recording the family it was asked for. */
function failingLookup(asked: unknown[], error: NodeJS.ErrnoException): LookupFunction {
  return (_hostname, options, callback) => {
    asked.push(options.family);
    process.nextTick(() => (callback as (e: Error) => void)(error));
  };
}

function lookUp(lookup: LookupFunction, hostname: string): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => lookup(hostname, {}, (error) => resolve(error)));
}

describe('familyLookup (-4 / -6)', () => {
  it('asks for its family alone, and says that a name not found may have no address of that family', async () => {
    const asked: unknown[] = [];
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND v4only.test'), { code: 'ENOTFOUND' });
    const error = await lookUp(familyLookup(failingLookup(asked, notFound), 6), 'v4only.test');
    expect(asked).toEqual([6]);
    expect(error?.code).toBe('ENOTFOUND');
    expect(error?.message).toBe('getaddrinfo ENOTFOUND v4only.test (the name has no IPv6 address, and -6 connects over IPv6 only; or it resolves to no address at all: is it spelled right?)');
  });

  it('leaves other failures and messages that say more already as they are', async () => {
    const again = Object.assign(new Error('getaddrinfo EAI_AGAIN slow.test'), { code: 'EAI_AGAIN' });
    expect((await lookUp(familyLookup(failingLookup([], again), 4), 'slow.test'))?.message).toBe('getaddrinfo EAI_AGAIN slow.test');
    const said = Object.assign(new Error('::1 is an IPv6 address, and -4 connects over IPv4 only'), { code: 'ENOTFOUND' });
    expect((await lookUp(familyLookup(failingLookup([], said), 4), '::1'))?.message).toBe('::1 is an IPv6 address, and -4 connects over IPv4 only');
  });

  it('passes an answer through', async () => {
    const lookup: LookupFunction = (_h, _o, callback) => process.nextTick(() => (callback as (e: null, a: string, f: number) => void)(null, '127.0.0.1', 4));
    const answer = await new Promise((resolve) => familyLookup(lookup, 4)('name.test', {}, (error, address, family) => resolve([error, address, family])));
    expect(answer).toEqual([null, '127.0.0.1', 4]);
  });
});
