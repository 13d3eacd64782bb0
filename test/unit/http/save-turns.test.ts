import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SaveTurns } from '../../../src/http/save-turns.js';

describe('SaveTurns', () => {
  it('turns down a file earlier in the input than one landed, and forgets a name once no record of it is live', async () => {
    const turns = new SaveTurns();
    const landed: number[] = [];
    const rename = (line: number) => async (): Promise<void> => void landed.push(line);
    turns.claim('one');
    turns.claim('one');
    expect(await turns.land('one', 4, rename(4))).toBe(true);
    expect(await turns.land('one', 1, rename(1))).toBe(false);
    expect(landed).toEqual([4]);
    turns.release('one');
    turns.release('one');
    // Nothing is remembered of a name no live record claims (the map stays as small as the live window).
    turns.claim('one');
    expect(await turns.land('one', 2, rename(2))).toBe(true);
    turns.release('one');
    // A name no record claimed lands at once.
    expect(await turns.land('other', 0, rename(0))).toBe(true);
    expect(landed).toEqual([4, 2, 0]);
  });

  it('runs the renames under one name one after another, in the order decided, even when one fails', async () => {
    const turns = new SaveTurns();
    const done: string[] = [];
    turns.claim('one');
    const slow = turns.land('one', 1, async () => {
      await sleep(50);
      done.push('1');
      throw new Error('EACCES');
    });
    const fast = turns.land('one', 2, async () => void done.push('2'));
    await expect(slow).rejects.toThrow('EACCES');
    expect(await fast).toBe(true);
    expect(done).toEqual(['1', '2']);
    turns.release('one');
  });

  it('lets an earlier file land after a later one failed to', async () => {
    const turns = new SaveTurns();
    turns.claim('one');
    await expect(turns.land('one', 4, () => Promise.reject(new Error('EACCES')))).rejects.toThrow('EACCES');
    expect(await turns.land('one', 1, async () => {})).toBe(true);
    expect(await turns.land('one', 0, async () => {})).toBe(false);
    turns.release('one');
  });
});
