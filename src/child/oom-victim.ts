import { readFileSync, writeFileSync } from 'node:fs';

/** How much more likely than the parent a child is to be the kernel's out-of-memory victim (oom_score_adj runs -1000..1000). */
const CHILD_OOM_ADJ_ABOVE_PARENT = 500;

/**
 * Makes this child the one the kernel's out-of-memory killer takes before its parent (Linux; elsewhere nothing).
 * Under a container's memory limit the parent, holding the run's accounting and the lines to write, was often the
 * largest process left once a child died, and went next: the run ended 137 with no summary, no continue line, and
 * the lines it held lost. A child's death is what bulkfetch recovers from (its records are sent again, README:
 * crash safety). A process may raise its own score without privileges, never lower it.
 */
export function preferAsOomVictim(): void {
  try {
    const own = Number(readFileSync('/proc/self/oom_score_adj', 'utf8'));
    if (Number.isInteger(own) && own < 1000) writeFileSync('/proc/self/oom_score_adj', String(Math.min(1000, own + CHILD_OOM_ADJ_ABOVE_PARENT)));
  } catch {
    // No /proc (not Linux), or not writable: the kernel's own choice stands.
  }
}
