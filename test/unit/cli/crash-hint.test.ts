import { describe, expect, it } from 'vitest';
import { memoryHint } from '../../../src/cli/crash-hint.js';

describe('memoryHint', () => {
  it('names the out-of-memory killer for a SIGKILL, whatever the limits', () => {
    expect(memoryHint('signal SIGKILL', '', undefined)).toMatch(/^; a SIGKILL is most often the out-of-memory killer/);
  });

  it('names an address-space limit and what to give for a SIGABRT or an allocation failure under one', () => {
    const hint = '; this process runs under an address-space limit (ulimit -v) of 1.0 GiB, and a child reserves much more address space than it uses: give it at least 2 GiB (ulimit -v 2097152), or none';
    expect(memoryHint('signal SIGABRT', '', 1_024_000_000)).toBe(hint);
    expect(memoryHint('exit code 134', 'FATAL ERROR: NewSpace::EnsureCurrentCapacity Allocation failed - JavaScript heap out of memory', 1_024_000_000)).toBe(hint);
  });

  it('says nothing where memory does not explain the death', () => {
    expect(memoryHint('signal SIGABRT', '', undefined)).toBe('');
    expect(memoryHint('signal SIGSEGV', 'Segmentation fault', 4_000_000_000)).toBe('');
    expect(memoryHint('exit code 1', 'TypeError: x is not a function', 4_000_000_000)).toBe('');
  });
});
