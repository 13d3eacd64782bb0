import { setFlagsFromString } from 'node:v8';

/**
 * Keeps the CLI parent's young generation at its starting size (1 MiB a
 * semi-space) instead of letting it double up to V8's 16 MiB default. The
 * parent's allocations are short-lived (lines read, routed and written) and
 * few survive a scavenge, so the larger space bought nothing: on 200k distinct
 * URLs at --procs 2 its CPU was the same within noise (2.4 s median either
 * way) while its peak RSS fell from ~110 to ~89 MiB, and the pass over a 4M
 * line file from 112 to 89 MiB (bench/CHANGELOG.md, entry 12).
 *
 * Set at run time because a `node` flag cannot be given to `bulkfetch` by its
 * shebang; V8 reads this one each time it considers growing the space. Only
 * the CLI does this: a library caller's process keeps its own heap settings.
 * Children get --max-semi-space-size on their command line instead.
 */
export function keepParentYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
