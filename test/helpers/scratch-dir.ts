// A temporary directory that is gone when the test that made it finishes, so that a run of the
// suite (CI runs it twice, on two Nodes) leaves nothing behind in /tmp.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/**
 * Makes a directory under the system's temp dir, named after prefix. Made inside a test, it is
 * removed when that test finishes; made while a describe block is collected (shared by its
 * tests), when the block's tests are done.
 */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    onTestFinished(remove);
  } catch {
    // Not inside a test: vitest refuses onTestFinished there, and afterAll is the hook that fits.
    afterAll(remove);
  }
  return dir;
}
