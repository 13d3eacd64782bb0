import { describe, expect, it } from 'vitest';
import { LimitCoordinator, type LimitOptions } from '../../../../src/parent/limits/coordinator.js';
import { FakeClock } from './fake-clock.js';

function setup(limits: LimitOptions, perChildMax = 100) {
  const clock = new FakeClock();
  /** Every grant as `child:id`, in order. */
  const granted: string[] = [];
  const coordinator = new LimitCoordinator({
    ...limits,
    perChildMax,
    clock,
    grant: (child, ids) => granted.push(...ids.map((id) => `${child}:${id}`)),
  });
  const ask = (child: number, id: number, host: string): void => {
    coordinator.request(child, id, host);
    coordinator.pump();
  };
  const end = (child: number, id: number, status: number | null = 200, retryAfterMs?: number): void => {
    coordinator.release(child, id, { status, retryAfterMs });
    coordinator.pump();
  };
  return { clock, granted, coordinator, ask, end };
}

describe('LimitCoordinator', () => {
  it('holds per-host concurrency over all children together', () => {
    const { granted, ask, end } = setup({ perHostConcurrency: 2 });
    for (let child = 0; child < 4; child++) ask(child, 1, 'a');
    expect(granted).toEqual(['0:1', '1:1']);
    end(0, 1);
    expect(granted).toEqual(['0:1', '1:1', '2:1']);
  });

  it('counts each host on its own', () => {
    const { granted, ask } = setup({ perHostConcurrency: 1 });
    ask(0, 1, 'a');
    ask(0, 2, 'a');
    ask(1, 1, 'b:8080');
    expect(granted).toEqual(['0:1', '1:1']);
  });

  it('holds the global rate over all children, waking itself for the next token', () => {
    const { clock, granted, ask } = setup({ rate: 10 });
    for (let id = 1; id <= 5; id++) ask(id % 3, id, `h${id}`);
    expect(granted).toHaveLength(1); // burst of 1 at 10/s
    clock.advance(99);
    expect(granted).toHaveLength(1);
    clock.advance(1);
    expect(granted).toHaveLength(2);
    clock.advance(300);
    expect(granted).toHaveLength(5);
  });

  it('holds the per-host rate for each host on its own', () => {
    const { clock, granted, ask } = setup({ perHostRate: 2 });
    for (let id = 1; id <= 3; id++) ask(0, id, 'a');
    for (let id = 4; id <= 6; id++) ask(1, id, 'b');
    expect(granted).toEqual(['0:1', '1:4']);
    clock.advance(499);
    expect(granted).toEqual(['0:1', '1:4']);
    clock.advance(1);
    expect(granted).toEqual(['0:1', '1:4', '0:2', '1:5']);
  });

  it('pauses only the host that answered 429, for its Retry-After', () => {
    const { clock, granted, ask, end } = setup({ perHostConcurrency: 10 });
    ask(0, 1, 'a');
    end(0, 1, 429, 2000);
    ask(0, 2, 'a');
    ask(1, 1, 'b');
    expect(granted).toEqual(['0:1', '1:1']);
    clock.advance(1999);
    expect(granted).not.toContain('0:2');
    clock.advance(1);
    expect(granted).toContain('0:2');
  });

  it('without limit flags, slows down a host refused outside the gate, and only that host', () => {
    const { clock, granted, coordinator, ask, end } = setup({});
    coordinator.refused('a', { status: 429, retryAfterMs: 1000 });
    ask(0, 1, 'a');
    ask(1, 1, 'a');
    ask(1, 2, 'b');
    ask(1, 3, 'b');
    expect(granted).toEqual(['1:2', '1:3']);
    clock.advance(1000);
    // One at a time after the refusal; each success allows one more.
    expect(granted).toEqual(['1:2', '1:3', '0:1']);
    end(0, 1);
    expect(granted).toEqual(['1:2', '1:3', '0:1', '1:1']);
  });

  it('never grants a child more than it can start', () => {
    const { granted, ask, end } = setup({ perHostConcurrency: 10 }, 2);
    for (let id = 1; id <= 3; id++) ask(0, id, 'a');
    ask(1, 1, 'a');
    expect(granted).toEqual(['0:1', '0:2', '1:1']);
    end(0, 1);
    expect(granted).toContain('0:3');
  });

  it('frees a dead child\'s places and forgets what it asked for', () => {
    const { granted, coordinator, ask } = setup({ perHostConcurrency: 1 });
    ask(0, 1, 'a');
    ask(0, 2, 'a');
    ask(1, 1, 'a');
    expect(granted).toEqual(['0:1']);
    coordinator.dropChild(0);
    expect(granted).toEqual(['0:1', '1:1']);
  });

  it('ignores reports of attempts it does not know', () => {
    const { granted, ask, end } = setup({ perHostConcurrency: 1 });
    ask(0, 1, 'a');
    end(0, 99);
    end(1, 1);
    ask(1, 2, 'a');
    expect(granted).toEqual(['0:1']);
  });

  it('serves hosts in turn when the global rate is what binds', () => {
    const { clock, granted, ask } = setup({ rate: 10 });
    for (let id = 1; id <= 4; id++) ask(0, id, 'a');
    for (let id = 5; id <= 8; id++) ask(0, id, 'b');
    clock.advance(400);
    // a's first went before b asked; from then on they alternate.
    expect(granted).toEqual(['0:1', '0:2', '0:5', '0:3', '0:6']);
  });

  it('stops its timer on close', () => {
    const { clock, coordinator, ask } = setup({ rate: 1 });
    ask(0, 1, 'a');
    ask(0, 2, 'a');
    expect(clock.pendingTimers).toBe(1);
    coordinator.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('forgets idle hosts, so the host map stays bounded', () => {
    const { clock, coordinator, ask, end } = setup({ perHostConcurrency: 1 });
    // Each refused once: they have something to remember for a while.
    for (let id = 1; id <= 50; id++) {
      ask(0, id, `h${id}`);
      end(0, id, 503);
    }
    expect(coordinator.hostCount).toBe(50);
    clock.advance(20_000);
    ask(0, 100, 'fresh');
    expect(coordinator.hostCount).toBe(1);
  });

  it('drops a host at once when its last attempt ends and it has learned nothing: a fresh one would say the same', () => {
    // A list of distinct hosts, each asked once, under --per-host-concurrency: each was kept 10-20 s (160 MiB of
    // parent at 200,000 hosts).
    const { coordinator, ask, end } = setup({ perHostConcurrency: 2 });
    for (let id = 1; id <= 50; id++) {
      ask(0, id, `h${id}`);
      end(0, id);
    }
    expect(coordinator.hostCount).toBe(0);
    // One still in flight, or one refused, is kept.
    ask(0, 101, 'busy');
    ask(0, 102, 'busy');
    end(0, 101);
    ask(0, 103, 'refusing');
    end(0, 103, 429);
    expect(coordinator.hostCount).toBe(2);
  });
});
