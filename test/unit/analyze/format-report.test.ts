import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { adviseOn } from '../../../src/analyze/advice.js';
import { analyzeInput } from '../../../src/analyze/analyze-input.js';
import { formatReport } from '../../../src/analyze/format-report.js';
import { decideForFile } from '../../../src/parent/cache-plan/decide.js';

const input = (lines: string[]) => Readable.from([`${lines.join('\n')}\n`]);

async function mostRepeated(lines: string[], topCapacity: number): Promise<string[]> {
  const profile = await analyzeInput(input(lines), { topCapacity });
  const cache = decideForFile({ ...profile, ms: 0 }, 2);
  const report = formatReport(profile, adviseOn(profile, 2, cache), cache);
  const rows = report.split('\n');
  const at = rows.findIndex((row) => row.startsWith('most repeated'));
  return rows.slice(at, rows.findIndex((row, i) => i > at && !row.startsWith('  ')));
}

describe('formatReport', () => {
  it("says none repeats where the distinct count is exact and equals the requests, though the top's sketch is past its capacity", async () => {
    // 3,000 distinct URLs over a sketch of 50: it said "none repeated more than 1 times (the estimator's error)".
    const lines = Array.from({ length: 3000 }, (_, i) => `https://a.example/${i}`);
    const profile = await analyzeInput(input(lines), { topCapacity: 50 });
    expect(profile).toMatchObject({ distinctExact: true, duplicates: 0, topRequests: { exact: false } });
    expect(await mostRepeated(lines, 50)).toEqual(['most repeated  none']);
  });

  it("names the sketch's error where requests repeat and none is counted above it", async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `https://a.example/${i % 1500}`);
    const profile = await analyzeInput(input(lines), { topCapacity: 50 });
    expect(profile.topRequests).toMatchObject({ exact: false, top: [] });
    expect(await mostRepeated(lines, 50)).toEqual([`most repeated  none counted more than ${profile.topRequests.maxError} times (the estimator's error)`]);
  });
});
