import type { CacheDecision } from '../parent/cache-plan/decide.js';
import type { InputProfile } from './analyze-input.js';
import { formatCount } from '../output/format-count.js';

export interface Advice {
  /** What `--cache auto` does with this input (the run's own decision). */
  cache: { worthIt: boolean; why: string };
  perHostLimit: { advisable: boolean; why: string };
  procs: { suggested: number; why: string };
}

/** A host taking this share of requests would get that share of every child's concurrency. */
const HOT_HOST_SHARE = 0.25;
/** Distinct requests that keep one child busy long enough to repay its start-up and memory (~40 MB). */
const REQUESTS_PER_CHILD = 10_000;

/**
 * Turns an input profile into the decisions to make before a big run. The
 * cache is not advice but what the run itself decides (`cache`, from
 * planCache); without one, the same decision is taken from the profile's counts.
 */
export function adviseOn(profile: InputProfile, cpus: number, cache: CacheDecision): Advice {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const procs = Math.max(1, Math.min(cpus, Math.ceil(profile.distinct / REQUESTS_PER_CHILD)));
  const hottest = profile.hosts.top[0];
  const advisable = hottest !== undefined && hottest.share >= HOT_HOST_SHARE && profile.requests >= 100;
  const hostWhy = hottest === undefined
    ? 'no requests'
    : advisable
      ? `${hottest.host} gets ${pct(hottest.share)} of requests: without a per-host limit it receives up to --procs x --concurrency at once (--per-host-concurrency N or --per-host-rate N sets one)`
      : hottest.share >= HOT_HOST_SHARE
        ? `${profile.requests} requests are too few for one host to be hammered`
        : `the busiest host, ${hottest.host}, gets ${pct(hottest.share)} of requests: load is spread`;
  const procsWhy = procs === cpus && profile.distinct > cpus * REQUESTS_PER_CHILD
    ? `one child per CPU (${cpus}): there is work enough for all`
    : `${formatCount(profile.distinct)} distinct requests: about ${formatCount(REQUESTS_PER_CHILD)} per child repay a child's start-up and memory`;
  return {
    cache: { worthIt: cache.enabled, why: cache.why },
    perHostLimit: { advisable, why: hostWhy },
    procs: { suggested: procs, why: procsWhy },
  };
}
