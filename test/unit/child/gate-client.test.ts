import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ChildMessage } from '../../../src/wire/messages.js';
import { GateClient, STALE_GRANT_MS } from '../../../src/child/gate-client.js';

type GateMessage = Extract<ChildMessage, { type: 'gate' }>;

function setup() {
  const sent: GateMessage[] = [];
  const shutdown = new AbortController();
  const gate = new GateClient((m) => sent.push(m), shutdown.signal);
  return { sent, shutdown, gate };
}

describe('GateClient', () => {
  it('asks for every attempt, one message per event-loop turn', async () => {
    const { sent, gate } = setup();
    void gate.acquire('http://a.test/1');
    void gate.acquire('http://b.test:8080/2');
    await tick();
    expect(sent).toEqual([{ type: 'gate', acquire: [[1, 'a.test'], [2, 'b.test:8080']], release: [], refused: [], waiting: 2 }]);
  });

  it('lets an attempt start only when granted, and reports how it ended', async () => {
    const { sent, gate } = setup();
    let started = false;
    const waiting = gate.acquireHost('a.test').then((release) => {
      started = true;
      return release;
    });
    await tick();
    expect(started).toBe(false);
    gate.granted([1]);
    const release = await waiting;
    release({ status: 429, retryAfterMs: 2000 });
    release({ status: 200 }); // a second call is ignored
    await tick();
    expect(sent[1]).toEqual({ type: 'gate', acquire: [], release: [[1, 429, 2000]], refused: [], waiting: 0 });
  });

  it('hands back a rate\'s grant read more than 50 ms after it was made and asks again, once; a grant on time is used', async () => {
    const { sent, gate } = setup();
    let started = 0;
    void gate.acquireHost('a.test').then(() => (started += 1));
    void gate.acquireHost('a.test').then(() => (started += 1));
    await tick();
    const now = performance.timeOrigin + performance.now();
    gate.granted([1], now - 5);
    gate.granted([2], now - STALE_GRANT_MS - 300);
    await tick();
    expect(started).toBe(1);
    expect(sent[1]).toEqual({ type: 'gate', acquire: [[3, 'a.test']], release: [[2, null, null]], refused: [], waiting: 1 });
    // Asked again: this grant goes however late it is read.
    gate.granted([3], now - STALE_GRANT_MS - 1000);
    await tick();
    expect(started).toBe(2);
  });

  it('hands back a grant nobody waits for', async () => {
    const { sent, gate } = setup();
    gate.granted([7]);
    await tick();
    expect(sent).toEqual([{ type: 'gate', acquire: [], release: [[7, null, null]], refused: [], waiting: 0 }]);
  });

  it('reports refusals of attempts that asked nobody, in the same message', async () => {
    const { sent, gate } = setup();
    gate.reportRefusal('a.test', { status: 429, retryAfterMs: 1000 });
    gate.reportRefusal('b.test', { status: 503 });
    void gate.acquire('http://a.test/');
    await tick();
    expect(sent).toEqual([{ type: 'gate', acquire: [[1, 'a.test']], release: [], refused: [['a.test', 429, 1000], ['b.test', 503, null]], waiting: 1 }]);
  });

  it('lets every waiting attempt go when the run is shut down', async () => {
    const { shutdown, gate } = setup();
    const waiting = [gate.acquire('http://a.test/'), gate.acquire('http://a.test/')];
    shutdown.abort();
    const releases = await Promise.all(waiting);
    expect(releases).toHaveLength(2);
    expect(gate.waitingCount).toBe(0);
    // and later attempts do not wait at all
    expect(gate.acquire('http://a.test/')).toBeUndefined();
  });
});
