import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Churns short-lived objects with some survivors, then prints the young generation's size in MiB. */
const CHURN = (setup: string): string => `
${setup}
const { getHeapSpaceStatistics } = await import('node:v8');
const keep = [];
for (let i = 0; i < 3e6; i++) { const o = { i, s: 'x' + i }; if (i % 10 === 0) keep.push(o); if (keep.length > 50000) keep.length = 0; }
console.log(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576);
`;

function youngGenerationMiB(setup: string): number {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', CHURN(setup)], { encoding: 'utf8' });
  return Number(out.trim());
}

describe('the CLI parent heap', () => {
  it('keeps the young generation at its starting size where V8 alone grows it', () => {
    const entry = new URL('../../../dist/cli/parent-heap.js', import.meta.url).href;
    const kept = youngGenerationMiB(`(await import(${JSON.stringify(entry)})).keepParentYoungGenerationSmall();`);
    const grown = youngGenerationMiB('');
    expect(kept).toBeLessThanOrEqual(4);
    expect(grown).toBeGreaterThan(kept * 2);
  });
});
