import { describe, expect, it } from 'vitest';
import { checkProcsFitDescriptors, descriptorWarning } from '../../../src/cli/preflight.js';

describe('descriptorWarning', () => {
  it('warns when the descriptor limit holds a child below --concurrency connections, and says what is enough', () => {
    expect(descriptorWarning(200, false, 64)).toBe(
      'ulimit -n is 64: a process can hold about 8 connections, fewer than --concurrency 200, so it runs that many requests at a time (raise it: ulimit -n 1024)',
    );
    expect(descriptorWarning(5000, false, 4096)).toMatch(/about 4040 connections, fewer than --concurrency 5000.*ulimit -n 6144\)$/);
  });

  it('counts a --save file beside each connection, and says one connection in the singular', () => {
    // (256 - 24 - 32) / 2: each body being saved holds a file as well as its connection.
    expect(descriptorWarning(150, true, 256)).toBe(
      'ulimit -n is 256: a process can hold about 100 connections (each with the --save file its body goes to), fewer than --concurrency 150, so it runs that many requests at a time (raise it: ulimit -n 1024)',
    );
    expect(descriptorWarning(150, false, 256)).toBeUndefined();
    expect(descriptorWarning(50, false, 57)).toMatch(/about 1 connection, fewer/);
  });

  it('says nothing when every request slot gets a connection, or the limit is unknown', () => {
    expect(descriptorWarning(50, false, 1024)).toBeUndefined();
    // 64 - 24 started - 32 spare: exactly 8.
    expect(descriptorWarning(8, false, 64)).toBeUndefined();
    expect(descriptorWarning(10_000, false, undefined)).toBeUndefined();
  });
});

describe('checkProcsFitDescriptors', () => {
  it('refuses more children than the descriptor limit lets the parent hold, saying how many fit and what is enough', () => {
    expect(() => checkProcsFitDescriptors(16, 80)).toThrow('ulimit -n is 80: too few descriptors for --procs 16, as the run keeps 4 for each child besides its own 32 (at most --procs 12 here, or raise it: ulimit -n 96)');
    expect(() => checkProcsFitDescriptors(2, 34)).toThrow(/too few descriptors for --procs 2, as the run keeps 4 for each child besides its own 32 \(raise it: ulimit -n 40\)$/);
    expect(() => checkProcsFitDescriptors(16, 96)).not.toThrow();
    expect(() => checkProcsFitDescriptors(1024, undefined)).not.toThrow();
  });
});
