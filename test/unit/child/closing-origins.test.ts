import { describe, expect, it } from 'vitest';
import { ClosingOrigins } from '../../../src/child/closing-origins.js';

describe('ClosingOrigins', () => {
  it('marks an origin after three closed connections within two seconds, for ten seconds; an idle timeout now and then does not', () => {
    const origins = new ClosingOrigins();
    const url = 'http://a.test:8080/x';
    origins.noteStale(url, 0);
    origins.noteStale(url, 1_500);
    origins.noteStale(url, 3_000); // the window began at 0: a new one
    expect(origins.closesEach(url, 3_001)).toBe(false);
    origins.noteStale('http://a.test:8080/y', 3_100);
    origins.noteStale(url, 3_200);
    expect(origins.closesEach('http://a.test:8080/z?q', 3_300)).toBe(true);
    expect(origins.closesEach('http://b.test:8080/x', 3_300)).toBe(false);
    expect(origins.closesEach('https://a.test:8080/x', 3_300)).toBe(false);
    // A request sent just before the mark, found closed after the window: the mark stays (it was dropped).
    origins.noteStale(url, 6_000);
    expect(origins.closesEach(url, 6_001)).toBe(true);
    expect(origins.closesEach(url, 13_199)).toBe(true);
    // Reuse is tried again, and the origin learnt anew.
    expect(origins.closesEach(url, 13_201)).toBe(false);
    origins.noteStale(url, 13_300);
    expect(origins.closesEach(url, 13_301)).toBe(false);
  });

  it('remembers at most 1,024 origins, the oldest forgotten first', () => {
    const origins = new ClosingOrigins();
    const url = 'http://first.test/';
    origins.noteStale(url, 0);
    origins.noteStale(url, 1);
    for (let i = 0; i < 1_024; i++) origins.noteStale(`http://h${i}.test/`, 2);
    origins.noteStale(url, 3);
    expect(origins.closesEach(url, 4)).toBe(false);
  });
});
