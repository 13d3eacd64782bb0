import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuMsOf } from '../../../bench/lib/proc-tree.js';

// The TLS bench reads nginx's CPU with it around each contender's run (bench/run.js, withServerCpu).
describe('cpuMsOf', () => {
  it('counts the CPU a process has used since a first reading', () => {
    const before = cpuMsOf([process.pid]);
    const started = performance.now();
    let spin = 0;
    while (performance.now() - started < 300) spin += 1;
    const used = cpuMsOf([process.pid]) - before;
    expect(spin).toBeGreaterThan(0);
    // 300 ms of wall spent spinning is close to 300 ms of CPU, read in ticks of 10 ms; the share a busy machine
    // takes from this process makes it less, never more than its wall time and a tick or two.
    expect(used).toBeGreaterThanOrEqual(100);
    expect(used).toBeLessThanOrEqual(performance.now() - started + 30);
  });

  it('counts a process that is gone as nothing', () => {
    const gone = spawnSync('true').pid;
    expect(cpuMsOf([gone])).toBe(0);
    expect(cpuMsOf([])).toBe(0);
  });
});
