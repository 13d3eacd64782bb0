import { defaultRunOptions } from '../options.js';
import type { InputProfile } from './analyze-input.js';

export interface Advice {
  cache: { worthIt: boolean; why: string };
  perHostLimit: { advisable: boolean; why: string };
  procs: { suggested: number; why: string };
}

/** Repeats below this share do not pay for the cache's memory. */
const CACHE_WORTH_RATIO = 0.02;
/** A host taking this share of requests would get that share of every child's concurrency. */
const HOT_HOST_SHARE = 0.25;
/** Distinct requests that keep one child busy long enough to repay its start-up and memory (~40 MB). */
const REQUESTS_PER_CHILD = 10_000;

/** Turns an input profile into the three decisions to make before a big run. */
export function adviseOn(profile: InputProfile, cpus: number, cacheSize = defaultRunOptions().cacheSize): Advice {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const worthIt = profile.duplicateRatio >= CACHE_WORTH_RATIO;
  let cacheWhy = worthIt
    ? `${pct(profile.duplicateRatio)} of requests repeat an earlier one: the cache answers GET/HEAD repeats without a request`
    : `only ${pct(profile.duplicateRatio)} of requests repeat: --no-cache saves memory`;
  const procs = Math.max(1, Math.min(cpus, Math.ceil(profile.distinct / REQUESTS_PER_CHILD)));
  if (worthIt && profile.distinct > cacheSize * procs) {
    cacheWhy += `; ${profile.distinct.toLocaleString('en-US')} distinct requests exceed --cache-size x --procs (${(cacheSize * procs).toLocaleString('en-US')}), so repeats far apart may miss: raise --cache-size`;
  }
  const hottest = profile.hosts.top[0];
  const advisable = hottest !== undefined && hottest.share >= HOT_HOST_SHARE && profile.requests >= 100;
  const hostWhy = hottest === undefined
    ? 'no requests'
    : advisable
      ? `${hottest.host} gets ${pct(hottest.share)} of requests: without a per-host limit it receives up to --procs x --concurrency at once`
      : `the busiest host, ${hottest.host}, gets ${pct(hottest.share)} of requests: load is spread`;
  const procsWhy = procs === cpus && profile.distinct > cpus * REQUESTS_PER_CHILD
    ? `one child per CPU (${cpus}): there is work enough for all`
    : `${profile.distinct.toLocaleString('en-US')} distinct requests: about ${REQUESTS_PER_CHILD.toLocaleString('en-US')} per child repay a child's start-up and memory`;
  return {
    cache: { worthIt, why: cacheWhy },
    perHostLimit: { advisable, why: hostWhy },
    procs: { suggested: procs, why: procsWhy },
  };
}
