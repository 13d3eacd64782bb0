import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invokedAs } from '../../../src/cli/invoked-as.js';

describe('invokedAs', () => {
  it('is `bulkfetch` when that name on PATH is this file, else the path it was started by', () => {
    const root = mkdtempSync(join(tmpdir(), 'invoked-'));
    const script = join(root, 'bulkfetch.js');
    writeFileSync(script, '');
    const bin = join(root, 'bin');
    mkdirSync(bin);
    symlinkSync(script, join(bin, 'bulkfetch'));
    expect(invokedAs(script, `/nowhere:${bin}`)).toBe('bulkfetch');
    // Another bulkfetch first on PATH, or none: the command names this one by its path.
    expect(invokedAs(script, '/nowhere')).toBe(script);
    expect(invokedAs(script, undefined)).toBe(script);
  });
});
