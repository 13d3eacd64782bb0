import { HLL_STANDARD_ERROR } from '../stats/distinct-counter.js';
import type { Advice } from './advice.js';
import type { CacheDecision } from '../parent/cache-plan/decide.js';
import type { InputProfile } from './analyze-input.js';
import { formatCount } from '../output/format-count.js';

/** `bulkfetch analyze` for people: aligned lines. */
export function formatReport(profile: InputProfile, advice: Advice, cache: CacheDecision): string {
  const n = formatCount;
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const estimated = `estimated: HyperLogLog, standard error ${(HLL_STANDARD_ERROR * 100).toFixed(2)}%`;
  const lines = [
    `records      ${n(profile.records)} (${n(profile.requests)} requests, ${n(profile.invalid)} invalid; skipped ${n(profile.skipped.blank)} blank and ${n(profile.skipped.comment)} comment lines)`,
    `distinct     ${n(profile.distinct)}${profile.distinctExact ? '' : ` (${estimated})`}`,
    `duplicates   ${n(profile.duplicates)} (${pct(profile.duplicateRatio)} of requests)`,
    `hosts        ${n(profile.hosts.count)}${profile.hosts.countExact ? '' : ` (${estimated})`}${profile.hosts.exact ? '' : '; top counts are lower bounds'}`,
    ...profile.hosts.top.map((h) => `  ${pct(h.share).padStart(6)}  ${n(h.requests).padStart(10)}  ${h.host}`),
    `most repeated${mostRepeatedNote(profile.topRequests, profile.distinctExact && profile.duplicates === 0)}`,
    ...profile.topRequests.top.map((r) => `  ${n(r.count).padStart(10)}  ${r.request}`),
    `cache        --cache auto would turn the cache ${cache.enabled ? 'on' : 'off'}: ${cache.why}`,
    `  ${cache.basis === 'file' ? `distinct ${n(cache.distinct)} (sketch), repeats ${pct(cache.repeatRatio)}, analysis ${n(cache.analysisMs)} ms` : `repeats seen ${pct(cache.repeatRatio)}`}`,
    // The run's own decision is shown above: the advice does not repeat it.
    'advice',
    `  per-host limit  ${advice.perHostLimit.advisable ? 'advisable' : 'not needed'}: ${advice.perHostLimit.why}`,
    `  --procs         ${advice.procs.suggested}: ${advice.procs.why}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `noRepeats`: the distinct count is exact and equals the requests, so none repeats, whatever the sketch's error. */
function mostRepeatedNote({ exact, maxError, top }: InputProfile['topRequests'], noRepeats: boolean): string {
  if (exact || noRepeats) return top.length === 0 ? '  none' : '';
  if (top.length === 0) return `  none counted more than ${formatCount(maxError)} ${maxError === 1 ? 'time' : 'times'} (the estimator's error)`;
  return ` (counts are lower bounds, short by at most ${formatCount(maxError)})`;
}
