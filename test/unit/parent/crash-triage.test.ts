import { describe, expect, it } from 'vitest';
import { CrashTriage, MAX_SOLO_CRASHES, type Tasks } from '../../../src/parent/crash-triage.js';

function tasks(lines: number[]): Tasks {
  return new Map(lines.map((line) => [line, `task ${line}\n`]));
}

/** Plays a child that dies whenever `killer` is among the records it runs. */
function isolate(held: number[], killer: number): { convicted: number[]; answered: number[]; crashes: number } {
  const triage = new CrashTriage();
  const convicted: number[] = [];
  const answered: number[] = [];
  let crashes = 1;
  for (const line of triage.crashed(tasks(held)).keys()) convicted.push(line);
  for (let group = triage.next(); group; group = triage.next()) {
    const lines = [...group.keys()];
    if (lines.includes(killer)) {
      crashes += 1;
      for (const line of triage.crashed(group).keys()) convicted.push(line);
    } else {
      answered.push(...lines);
      expect(triage.answered(lines)).toBe(true);
    }
    expect(crashes).toBeLessThan(50);
  }
  expect(triage.active).toBe(false);
  return { convicted, answered, crashes };
}

describe('CrashTriage', () => {
  it('convicts only the killer among a whole window, in about log2(window) + solo crashes', () => {
    const held = Array.from({ length: 132 }, (_, i) => i + 1);
    const { convicted, answered, crashes } = isolate(held, 77);
    expect(convicted).toEqual([77]);
    expect(answered.sort((a, b) => a - b)).toEqual(held.filter((l) => l !== 77));
    expect(crashes).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(132)) + MAX_SOLO_CRASHES);
  });

  it('gives a lone record a second chance before convicting it', () => {
    const triage = new CrashTriage();
    expect(triage.crashed(tasks([5])).size).toBe(0);
    expect([...(triage.next()?.keys() ?? [])]).toEqual([5]);
    expect([...triage.crashed(tasks([5])).keys()]).toEqual([5]);
    expect(triage.active).toBe(false);
  });

  it('forgets a record that was answered, and hands back queued groups on abort', () => {
    const triage = new CrashTriage();
    triage.crashed(tasks([1, 2, 3, 4]));
    const first = triage.next();
    expect([...(first?.keys() ?? [])]).toEqual([1, 2]);
    expect(triage.next()).toBeNull(); // one group at a time
    expect(triage.answered([1])).toBe(false);
    expect(triage.answered([2])).toBe(true);
    expect([...triage.takeQueued().keys()]).toEqual([3, 4]);
    expect(triage.active).toBe(false);
  });
});
