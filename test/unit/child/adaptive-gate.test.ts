import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ChildMessage } from '../../../src/wire/messages.js';
import { AdaptiveGate } from '../../../src/child/adaptive-gate.js';
import { GateClient } from '../../../src/child/gate-client.js';

type GateMessage = Extract<ChildMessage, { type: 'gate' }>;

function setup() {
  const sent: GateMessage[] = [];
  const client = new GateClient((m) => sent.push(m), new AbortController().signal);
  return { sent, gate: new AdaptiveGate(client) };
}

describe('AdaptiveGate', () => {
  it('asks nobody while no host has refused', async () => {
    const { sent, gate } = setup();
    expect(gate.acquire('http://a.test/1')).toBeUndefined();
    expect(gate.mustAsk('http://a.test/1')).toBe(false);
    await tick();
    expect(sent).toEqual([]);
    expect(gate.slowedCount).toBe(0);
  });

  it('after a 429, attempts to that host wait for a grant; other hosts still ask nobody', async () => {
    const { sent, gate } = setup();
    expect(gate.acquire('http://a.test:8080/1')).toBeUndefined();
    gate.refused('http://a.test:8080/1', { status: 429, retryAfterMs: 2000 });
    expect(gate.acquire('http://a.test:8080/2')).toBeInstanceOf(Promise);
    expect(gate.acquire('http://b.test/1')).toBeUndefined();
    await tick();
    expect(sent).toEqual([{ type: 'gate', acquire: [[1, 'a.test:8080']], release: [], refused: [['a.test:8080', 429, 2000]], waiting: 1 }]);
  });

  it('slows down the hosts the parent names (another child saw them refuse)', () => {
    const { gate } = setup();
    gate.slowDown(['a.test']);
    expect(gate.acquire('http://a.test/x')).toBeInstanceOf(Promise);
    expect(gate.acquire('http://a.test:81/x')).toBeUndefined();
  });

  it('tells an attempt let through before its host refused that it must ask after all', () => {
    const { gate } = setup();
    expect(gate.acquire('http://a.test/queued')).toBeUndefined();
    expect(gate.mustAsk('http://a.test/queued')).toBe(false);
    gate.slowDown(['a.test']);
    expect(gate.mustAsk('http://a.test/queued')).toBe(true);
    expect(gate.mustAsk('http://b.test/other')).toBe(false);
  });
});
