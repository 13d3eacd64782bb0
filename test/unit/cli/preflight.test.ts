import { describe, expect, it } from 'vitest';
import { descriptorWarning } from '../../../src/cli/preflight.js';

describe('descriptorWarning', () => {
  it('warns when the descriptor limit holds a child below --concurrency connections, and says what is enough', () => {
    expect(descriptorWarning(200, 64)).toBe(
      'ulimit -n is 64: a process can hold about 8 connections, fewer than --concurrency 200, and the rest of its requests wait for one (raise it: ulimit -n 1024)',
    );
    expect(descriptorWarning(5000, 4096)).toMatch(/about 4040 connections, fewer than --concurrency 5000.*ulimit -n 6144\)$/);
  });

  it('says nothing when every request slot gets a connection, or the limit is unknown', () => {
    expect(descriptorWarning(50, 1024)).toBeUndefined();
    // 64 - 24 started - 32 spare: exactly 8.
    expect(descriptorWarning(8, 64)).toBeUndefined();
    expect(descriptorWarning(10_000, undefined)).toBeUndefined();
  });
});
