import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ChildMessage } from '../../../src/pool/protocol.js';
import { GateClient } from '../../../src/worker/gate-client.js';

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
    void gate.acquire(new URL('http://a.test/1'));
    void gate.acquire(new URL('http://b.test:8080/2'));
    await tick();
    expect(sent).toEqual([{ type: 'gate', acquire: [[1, 'a.test'], [2, 'b.test:8080']], release: [] }]);
  });

  it('lets an attempt start only when granted, and reports how it ended', async () => {
    const { sent, gate } = setup();
    let started = false;
    const waiting = Promise.resolve(gate.acquire(new URL('http://a.test/'))).then((release) => {
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
    expect(sent[1]).toEqual({ type: 'gate', acquire: [], release: [[1, 429, 2000]] });
  });

  it('hands back a grant nobody waits for', async () => {
    const { sent, gate } = setup();
    gate.granted([7]);
    await tick();
    expect(sent).toEqual([{ type: 'gate', acquire: [], release: [[7, null, null]] }]);
  });

  it('lets every waiting attempt go when the run is shut down', async () => {
    const { shutdown, gate } = setup();
    const waiting = [gate.acquire(new URL('http://a.test/')), gate.acquire(new URL('http://a.test/'))];
    shutdown.abort();
    const releases = await Promise.all(waiting);
    expect(releases).toHaveLength(2);
    expect(gate.waitingCount).toBe(0);
    // and later attempts do not wait at all
    expect(typeof gate.acquire(new URL('http://a.test/'))).toBe('function');
  });
});
