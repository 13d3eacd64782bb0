import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuMsOf } from '../../../bench/lib/proc-tree.js';

// The TLS bench reads nginx's CPU with it around each contender's run (bench/run.js, withServerCpu).
describe('cpuMsOf', () => {
  it("reads what the process's own clock says it used", () => {
    const before = cpuMsOf([process.pid]);
    const ownBefore = process.cpuUsage();
    // Spin for 300 ms of this process's CPU, however busy the machine is (the suite runs beside it).
    let spin = 0;
    while (ownMs(process.cpuUsage(ownBefore)) < 300) spin += 1;
    const own = ownMs(process.cpuUsage(ownBefore));
    const read = cpuMsOf([process.pid]) - before;
    expect(spin).toBeGreaterThan(0);
    // /proc counts in ticks of 10 ms, each reading up to a tick behind; the process's other threads count in both.
    expect(Math.abs(read - own)).toBeLessThanOrEqual(40);
  });

  it('counts a process that is gone as nothing', () => {
    const gone = spawnSync('true').pid;
    expect(cpuMsOf([gone])).toBe(0);
    expect(cpuMsOf([])).toBe(0);
  });
});

function ownMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}
