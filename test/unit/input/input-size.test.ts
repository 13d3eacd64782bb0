import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../helpers/scratch-dir.js';
import { isRegularFile } from '../../../src/input/input-size.js';

describe('isRegularFile', () => {
  it('is true only for a regular file: not a pipe, a device, a directory, stdin or nothing', () => {
    const dir = scratchDir('bulkfetch-resume');
    const file = join(dir, 'urls.txt');
    writeFileSync(file, 'http://a.test/\n');
    const fifo = join(dir, 'urls.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(isRegularFile(file)).toBe(true);
    // A pipe's head is gone once read, and opening one again for reading can wait for a writer forever.
    expect(isRegularFile(fifo)).toBe(false);
    expect(isRegularFile('/dev/null')).toBe(false);
    expect(isRegularFile(dir)).toBe(false);
    expect(isRegularFile('-')).toBe(false);
    expect(isRegularFile(join(dir, 'missing'))).toBe(false);
  });
});
