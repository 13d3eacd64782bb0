import { describe, expect, it } from 'vitest';
import { HostState, MAX_PAUSES_IN_A_ROW, type HostPolicy } from '../../../../src/parent/limits/host-state.js';

const policy: HostPolicy = { concurrency: 8, maxPauseMs: 30_000 };

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

  it('stops pausing for Retry-After once its pauses in a row each ended in a refusal again (a host refusing all), and pauses again after another answer', () => {
    // A maintenance page: 503 with Retry-After to every request. Each pause's one attempt was refused and paused the
    // host again, a record a pause: 8 h for 1,000 records at the 30 s cap.
    const host = new HostState('a', policy, 0);
    let now = 0;
    const refuse = (): void => {
      host.start(now);
      host.finish({ status: 503, retryAfterMs: 2000 }, now, now + 5);
      now += 5;
    };
    for (let pause = 0; pause < MAX_PAUSES_IN_A_ROW; pause++) {
      refuse();
      expect(host.waitMs(now), `pause ${pause + 1}`).toBe(2000);
      now += 2000;
    }
    expect(MAX_PAUSES_IN_A_ROW).toBe(3);
    refuse();
    expect(host.waitMs(now)).toBe(0);
    expect(host.limit).toBe(1);
    // An answer other than 429/503: the host was overloaded after all, and the next refusal pauses it again.
    host.start(now);
    host.finish({ status: 200 }, now, now + 5);
    now += 5;
    refuse();
    expect(host.waitMs(now)).toBe(2000);
  });

  it('lets an echo lengthen the last pause it may have, not start one past it', () => {
    const host = new HostState('a', policy, 0);
    let now = 0;
    for (let pause = 0; pause < MAX_PAUSES_IN_A_ROW; pause++) {
      startMany(host, 2, now);
      host.finish({ status: 429, retryAfterMs: 1000 }, now, now + 1);
      // The other attempt, started with it: an echo, later, asking for longer.
      host.finish({ status: 429, retryAfterMs: 3000 }, now, now + 500);
      expect(host.waitMs(now + 500), `pause ${pause + 1}`).toBe(3000);
      now += 3500;
    }
    startMany(host, 2, now);
    host.finish({ status: 429, retryAfterMs: 1000 }, now, now + 1);
    host.finish({ status: 429, retryAfterMs: 3000 }, now, now + 500);
    expect(host.waitMs(now + 500)).toBe(0);
  });

  it('without Retry-After halves its concurrency but does not pause', () => {
    const host = new HostState('a', policy, 0);
    startMany(host, 8, 0);
    host.finish({ status: 503 }, 0, 10);
    expect(host.limit).toBe(4);
    // 7 still in flight: the next waits for ends, not for a clock.
    expect(host.waitMs(10)).toBe(Infinity);
    for (let i = 0; i < 4; i++) host.finish({ status: 200 }, 0, 20);
    expect(host.inFlight).toBe(3);
    expect(host.waitMs(20)).toBe(0);
  });

  it('drops to one attempt at a time on its first refusal outside the gate, then regrows', () => {
    const host = new HostState('a', { ...policy, concurrency: Infinity }, 0);
    host.refusedUngated({ status: 429, retryAfterMs: 500 }, 10);
    expect(host.limit).toBe(1);
    expect(host.waitMs(10)).toBe(500);
    // Echoes of attempts already on their way: the pause may grow, the limit does not halve.
    host.refusedUngated({ status: 429, retryAfterMs: 1000 }, 20);
    expect(host.waitMs(20)).toBe(1000);
    expect(host.limit).toBe(1);
    host.start(1020);
    expect(host.waitMs(1020)).toBe(Infinity);
    host.finish({ status: 200 }, 1020, 1030);
    expect(host.limit).toBe(2);
  });

  it('does not halve again for refusals of attempts that started before the last one', () => {
    const host = new HostState('a', policy, 0);
    startMany(host, 8, 0);
    host.finish({ status: 429 }, 0, 10);
    expect(host.limit).toBe(4);
    for (let i = 0; i < 7; i++) host.finish({ status: 429 }, 0, 20);
    expect(host.limit).toBe(4);
  });

  /** n successes, each ending while the host is at its limit (waiting attempts take every place that frees). */
  function succeedAtLimit(host: HostState, n: number, now: number): void {
    for (let i = 0; i < n; i++) {
      while (host.inFlight < host.limit) host.start(now);
      host.finish({ status: 200 }, now, now);
    }
  }

  it('after a refusal gets its concurrency back one attempt per limit\'s worth of successes (congestion avoidance)', () => {
    const host = new HostState('a', { ...policy, concurrency: 4 }, 0);
    startMany(host, 4, 0);
    host.finish({ status: 429, retryAfterMs: 0 }, 0, 1);
    expect(host.limit).toBe(2);
    succeedAtLimit(host, 1, 2);
    expect(host.limit).toBe(2);
    succeedAtLimit(host, 1, 3);
    expect(host.limit).toBe(3);
    succeedAtLimit(host, 2, 4);
    expect(host.limit).toBe(3);
    // The third at 3 reaches the cap: no limit of its own any more.
    succeedAtLimit(host, 1, 5);
    expect(host.limit).toBe(4);
  });

  it('does not grow a limit that held nothing back (fewer attempts in flight than it allows)', () => {
    const host = new HostState('a', { ...policy, concurrency: 100 }, 0);
    startMany(host, 40, 0);
    host.finish({ status: 503 }, 0, 1);
    expect(host.limit).toBe(20);
    // 39 end: the first 20 with the host at 20 or more in flight earn one step; the 19 below it none.
    for (let i = 0; i < 39; i++) host.finish({ status: 200 }, 0, 2);
    expect(host.limit).toBe(21);
    // Five at a time, however many succeed: the limit of 21 is never what holds them back.
    for (let i = 0; i < 100; i++) {
      startMany(host, 5, 3);
      for (let j = 0; j < 5; j++) host.finish({ status: 200 }, 3, 4);
    }
    expect(host.limit).toBe(21);
  });

  it('climbs one attempt per success after a first refusal outside the gate (slow start), and gently after its next refusal', () => {
    const host = new HostState('a', { ...policy, concurrency: Infinity }, 0);
    host.refusedUngated({ status: 429 }, 0);
    expect(host.limit).toBe(1);
    succeedAtLimit(host, 7, 1);
    expect(host.limit).toBe(8);
    startMany(host, host.limit - host.inFlight, 1);
    host.finish({ status: 429 }, 1, 2);
    expect(host.limit).toBe(4);
    succeedAtLimit(host, 3, 3);
    expect(host.limit).toBe(4);
    succeedAtLimit(host, 1, 4);
    expect(host.limit).toBe(5);
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
