import { describe, expect, it } from 'vitest';
import { LinkedSet, type Linked } from '../../../src/http/linked-set.js';

interface Member extends Linked<Member> {
  name: string;
}

const member = (name: string): Member => ({ name, linked: false, older: undefined, newer: undefined });
const names = (set: LinkedSet<Member>): string[] => [...set].map((m) => m.name);

describe('LinkedSet', () => {
  it('keeps members oldest first; adding a member again makes it the newest', () => {
    const set = new LinkedSet<Member>();
    const [a, b, c] = [member('a'), member('b'), member('c')];
    set.add(a);
    set.add(b);
    set.add(c);
    expect(names(set)).toEqual(['a', 'b', 'c']);
    set.add(a);
    expect(names(set)).toEqual(['b', 'c', 'a']);
    expect(set.size).toBe(3);
    expect(set.oldest?.name).toBe('b');
  });

  it('deletes from either end or the middle, once, and leaves a deleted member unlinked', () => {
    const set = new LinkedSet<Member>();
    const [a, b, c, d] = [member('a'), member('b'), member('c'), member('d')];
    for (const m of [a, b, c, d]) set.add(m);
    expect(set.delete(b)).toBe(true);
    expect(set.delete(b)).toBe(false);
    expect(b).toMatchObject({ linked: false, older: undefined, newer: undefined });
    expect(set.delete(a)).toBe(true);
    expect(set.delete(d)).toBe(true);
    expect(names(set)).toEqual(['c']);
    expect(set.oldest).toBe(c);
    expect(set.delete(c)).toBe(true);
    expect(set.size).toBe(0);
    expect(set.oldest).toBeUndefined();
    set.add(b);
    expect(names(set)).toEqual(['b']);
  });

  it('lets the member just visited be deleted while iterating', () => {
    const set = new LinkedSet<Member>();
    for (const name of ['a', 'b', 'c']) set.add(member(name));
    const seen: string[] = [];
    for (const m of set) {
      seen.push(m.name);
      set.delete(m);
    }
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(set.size).toBe(0);
  });
});
