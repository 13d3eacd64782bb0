import { describe, expect, it } from 'vitest';
import { PendingTasks } from '../../../src/parent/pending-tasks.js';

describe('PendingTasks', () => {
  it('holds tasks sent in order and answered in any order, and lists what is left in line order', () => {
    const pending = new PendingTasks();
    for (const line of [2, 5, 7, 9, 12]) pending.add(line, `task ${line}`);
    expect(pending.size).toBe(5);
    expect(pending.delete(7)).toBe(true);
    expect(pending.delete(7)).toBe(false);
    expect(pending.delete(8)).toBe(false);
    expect(pending.delete(2)).toBe(true);
    expect(pending.has(5)).toBe(true);
    expect(pending.has(2)).toBe(false);
    expect(pending.size).toBe(3);
    expect([...pending.toMap()]).toEqual([
      [5, 'task 5'],
      [9, 'task 9'],
      [12, 'task 12'],
    ]);
  });

  it('files a record sent out of order in its place, and a record sent again once', () => {
    const pending = new PendingTasks();
    pending.add(10, 'a');
    pending.add(20, 'b');
    pending.add(15, 'c');
    pending.add(20, 'b again');
    expect(pending.size).toBe(3);
    expect([...pending.toMap().keys()]).toEqual([10, 15, 20]);
    expect(pending.toMap().get(20)).toBe('b again');
    pending.delete(10);
    pending.add(5, 'd');
    expect([...pending.toMap().keys()]).toEqual([5, 15, 20]);
  });

  it('stays correct over many more records than it holds at once (the front is dropped as it is answered)', () => {
    const pending = new PendingTasks();
    const held: number[] = [];
    for (let line = 1; line <= 10_000; line++) {
      pending.add(line, String(line));
      held.push(line);
      // Answer out of order: every 100 sent, all but the newest 50 in reverse.
      if (line % 100 === 0) {
        const answered = held.splice(0, held.length - 50).reverse();
        for (const done of answered) expect(pending.delete(done)).toBe(true);
      }
    }
    expect(pending.size).toBe(50);
    expect([...pending.toMap().keys()]).toEqual(held);
    for (const line of held) pending.delete(line);
    expect(pending.size).toBe(0);
    expect(pending.toMap().size).toBe(0);
    pending.add(3, 'again');
    expect([...pending.toMap()]).toEqual([[3, 'again']]);
  });

  it('counts the bytes of what it holds, a task replaced or answered taken off', () => {
    const pending = new PendingTasks();
    pending.add(2, 'bb');
    pending.add(1, 'a');
    pending.add(5, 'eeeee');
    expect(pending.bytes).toBe(8);
    pending.add(2, 'BBBB');
    expect(pending.bytes).toBe(10);
    pending.delete(5);
    pending.delete(5);
    expect(pending.bytes).toBe(5);
    pending.delete(1);
    pending.delete(2);
    expect([pending.size, pending.bytes]).toEqual([0, 0]);
  });
});
