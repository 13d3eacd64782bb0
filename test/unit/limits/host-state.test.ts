import { describe, expect, it } from 'vitest';
import { HostState, type HostPolicy } from '../../../src/limits/host-state.js';

const policy: HostPolicy = { concurrency: 8, backoffMs: 1000, maxPauseMs: 30_000 };

function startMany(host: HostState, n: number, now: number): void {
  for (let i = 0; i < n; i++) host.start(now);
}

describe('HostState', () => {
  it('caps attempts in flight; an end frees a place', () => {
    const host = new HostState('a', { ...policy, concurrency: 2 }, 0);
    startMany(host, 2, 0);
    expect(host.waitMs(0)).toBe(Infinity);
    host.finish({ status: 200 }, 0, 5);
    expect(host.waitMs(5)).toBe(0);
  });

  it('pauses for Retry-After on a 429 and halves its concurrency', () => {
    const host = new HostState('a', policy, 0);
    startMany(host, 8, 0);
    host.finish({ status: 429, retryAfterMs: 2000 }, 0, 10);
    expect(host.waitMs(10)).toBe(2000);
    expect(host.waitMs(2009)).toBe(1);
    expect(host.limit).toBe(4);
    expect(host.waitMs(2010)).toBe(Infinity); // 7 still in flight, 4 allowed
  });

  it('caps Retry-After at the longest pause', () => {
    const host = new HostState('a', policy, 0);
    host.start(0);
    host.finish({ status: 503, retryAfterMs: 3_600_000 }, 0, 0);
    expect(host.waitMs(0)).toBe(30_000);
  });

  it('without Retry-After backs off exponentially while refusals keep coming', () => {
    const host = new HostState('a', policy, 0);
    host.start(0);
    host.finish({ status: 503 }, 0, 0);
    expect(host.waitMs(0)).toBe(1000);
    host.start(1000);
    host.finish({ status: 503 }, 1000, 1010);
    expect(host.waitMs(1010)).toBe(2000);
    host.start(3010);
    host.finish({ status: 200 }, 3010, 3020);
    host.start(3020);
    host.finish({ status: 503 }, 3020, 3030);
    expect(host.waitMs(3030)).toBe(1000); // a success reset the backoff
  });

  it('does not halve again for refusals of attempts that started before the last one', () => {
    const host = new HostState('a', policy, 0);
    startMany(host, 8, 0);
    host.finish({ status: 429 }, 0, 10);
    expect(host.limit).toBe(4);
    for (let i = 0; i < 7; i++) host.finish({ status: 429 }, 0, 20);
    expect(host.limit).toBe(4);
    expect(host.waitMs(20)).toBe(990); // the echoes did not lengthen the pause either
  });

  it('gets its concurrency back one success at a time', () => {
    const host = new HostState('a', { ...policy, concurrency: 4 }, 0);
    startMany(host, 4, 0);
    host.finish({ status: 429, retryAfterMs: 0 }, 0, 1);
    expect(host.limit).toBe(2);
    host.finish({ status: 200 }, 0, 2);
    expect(host.limit).toBe(3);
    host.finish({ status: 200 }, 0, 3);
    expect(host.limit).toBe(4);
  });

  it('takes no lesson from attempts that got no answer', () => {
    const host = new HostState('a', policy, 0);
    host.start(0);
    host.finish({ status: null }, 0, 1);
    expect(host.waitMs(1)).toBe(0);
    expect(host.limit).toBe(8);
  });

  it('spaces attempts by its own rate', () => {
    const host = new HostState('a', { ...policy, rate: 10 }, 0);
    host.start(0);
    host.finish({ status: 200 }, 0, 1);
    expect(host.waitMs(1)).toBeCloseTo(99);
  });

  it('is forgettable only when idle, unpaused and quiet', () => {
    const host = new HostState('a', policy, 0);
    host.start(0);
    expect(host.isForgettable(20_000, 10_000)).toBe(false);
    host.finish({ status: 429, retryAfterMs: 30_000 }, 0, 0);
    expect(host.isForgettable(20_000, 10_000)).toBe(false);
    expect(host.isForgettable(30_000, 10_000)).toBe(true);
  });
});
