import { chmodSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { privateCacheDirectory } from '../../../src/cli/compile-cache.js';
import { cleanupAfterEach, tempDir } from '../../helpers/index.js';

cleanupAfterEach();

const uid = process.getuid?.() ?? 0;

describe('privateCacheDirectory', () => {
  it("makes the user's own directory, readable by no one else, and finds it again", () => {
    const base = join(tempDir(), 'made');
    mkdirSync(base);
    const directory = privateCacheDirectory(base, uid);
    expect(directory).toBe(join(base, `bulkfetch-compile-cache-${uid}`));
    expect(statSync(directory as string).mode & 0o777).toBe(0o700);
    expect(privateCacheDirectory(base, uid)).toBe(directory);
  });

  it("takes no directory another user owns, one others may write in, or a link (Node's shared default was all three)", () => {
    const base = join(tempDir(), 'others');
    mkdirSync(base);
    // Made by this process, so owned by this uid: to another uid it is someone else's.
    expect(privateCacheDirectory(base, uid)).toBeDefined();
    expect(privateCacheDirectory(base, uid + 1)).toBeUndefined();
    const open = join(tempDir(), 'open');
    mkdirSync(join(open, `bulkfetch-compile-cache-${uid}`), { recursive: true });
    chmodSync(join(open, `bulkfetch-compile-cache-${uid}`), 0o777);
    expect(privateCacheDirectory(open, uid)).toBeUndefined();
    const linked = join(tempDir(), 'linked');
    mkdirSync(linked);
    symlinkSync(join(base, `bulkfetch-compile-cache-${uid}`), join(linked, `bulkfetch-compile-cache-${uid}`));
    expect(privateCacheDirectory(linked, uid)).toBeUndefined();
  });

  it('gives none, at once, where no directory can be made (/proc, a missing base) or the base is relative', () => {
    expect(privateCacheDirectory('/proc', uid)).toBeUndefined();
    expect(privateCacheDirectory(join(tempDir(), 'missing', 'base'), uid)).toBeUndefined();
    expect(privateCacheDirectory('tmp', uid)).toBeUndefined();
  });
});
