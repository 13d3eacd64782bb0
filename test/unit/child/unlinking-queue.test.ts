import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import Queue from '../../../src/child/unlinking-queue.js';

describe('unlinking queue (yocto-queue in the child bundle)', () => {
  it('is first in, first out, and counts what it holds', () => {
    const queue = new Queue<string>();
    expect(queue.dequeue()).toBeUndefined();
    queue.enqueue('a');
    queue.enqueue('b');
    expect(queue.size).toBe(2);
    expect(queue.peek()).toBe('a');
    expect(queue.dequeue()).toBe('a');
    queue.enqueue('c');
    expect([...queue]).toEqual(['b', 'c']);
    expect(queue.dequeue()).toBe('b');
    expect(queue.dequeue()).toBe('c');
    expect(queue.size).toBe(0);
    expect(queue.peek()).toBeUndefined();
    queue.enqueue('d');
    expect([...queue]).toEqual(['d']);
  });

  it('drains and clears as yocto-queue does', () => {
    const queue = new Queue<number>();
    for (const n of [1, 2, 3]) queue.enqueue(n);
    expect([...queue.drain()]).toEqual([1, 2, 3]);
    expect(queue.size).toBe(0);
    for (const n of [4, 5]) queue.enqueue(n);
    queue.clear();
    expect(queue.size).toBe(0);
    expect([...queue]).toEqual([]);
    queue.enqueue(6);
    expect(queue.dequeue()).toBe(6);
  });

  it('is what p-limit queues with in the built child (the integration tests run p-limit over it)', () => {
    const bundle = readFileSync(new URL('../../../dist/child/main.cjs', import.meta.url), 'utf8');
    expect(bundle).toContain('// dist/child/unlinking-queue.js');
    expect(bundle).not.toContain('node_modules/yocto-queue/');
  });
});
