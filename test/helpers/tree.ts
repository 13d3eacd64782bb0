// Which processes a CLI run left behind and how much memory its tree used: the /proc readers live
// once, in bench/lib/proc-tree.js (the benchmark measures with them too); this adds the waiting.
import { isAlive } from '../../bench/lib/proc-tree.js';

export { isAlive, killGroup, processTree, rssKiB, sampleTreeRss } from '../../bench/lib/proc-tree.js';

/** Polls until pid is no longer alive; resolves false if it still is after timeoutMs. */
export async function waitForDeath(pid: number, timeoutMs = 5000, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}
