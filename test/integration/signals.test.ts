// Real signals to the real CLI against a slow server, so requests are in flight
// when the signal lands: whole lines only, the right exit code, no child left.
import { describe, expect, it } from 'vitest';
import { collectOutput, isAlive, killTree, processTree, spawnCli, waitForDeath } from '../helpers/index.js';
import { cleanupAfterEach, slowServer as startSlow, urlFile as urls, waitFor } from './support.js';

const track = cleanupAfterEach();
const slowServer = async (ms: number) => track(await startSlow(ms));

/** Every stdout line is whole JSON with a distinct record line in 1..n. */
function expectWholeDistinctLines(result: { stdout: string; nonJson: string[]; lines: Array<Record<string, any>> }, n: number): void {
  expect(result.nonJson).toEqual([]);
  expect(result.stdout.endsWith('\n')).toBe(true);
  const seen = result.lines.map((l) => l.line as number);
  expect(new Set(seen).size).toBe(seen.length);
  for (const line of seen) expect(line >= 1 && line <= n).toBe(true);
}

describe('signals', () => {
  it('SIGINT to the process group: in-flight requests finish within --grace, whole lines, exit 130', async () => {
    const s = await slowServer(600);
    const n = 5000;
    const child = spawnCli([urls(s.url, n), '--procs', '2', '--concurrency', '10', '--grace', '10000ms']);
    const done = collectOutput(child);
    await waitFor(() => s.inFlight >= 10);
    const inFlightAtSignal = s.requests;
    // As a terminal's Ctrl-C does: the whole foreground group, children included.
    killTree(child.pid as number, 'SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expectWholeDistinctLines(result, n);
    // Stopped reading: far from all records, and every answered one succeeded (the grace was ample).
    expect(result.lines.length).toBeLessThan(n / 2);
    expect(result.lines.length).toBeGreaterThanOrEqual(inFlightAtSignal);
    expect(result.lines.every((l) => l.status === 200)).toBe(true);
    expect(result.stderr).toMatch(/records/);
  });

  it('SIGTERM: records still in flight when --grace expires are answered EABORTED, exit 143', async () => {
    const s = await slowServer(30_000);
    const child = spawnCli([urls(s.url, 200), '--procs', '2', '--concurrency', '5', '--grace', '300ms']);
    const done = collectOutput(child);
    await waitFor(() => s.inFlight >= 10);
    const started = Date.now();
    process.kill(child.pid as number, 'SIGTERM');
    const result = await done;
    expect(result.code).toBe(143);
    expect(Date.now() - started).toBeLessThan(15_000);
    expectWholeDistinctLines(result, 200);
    expect(result.lines.length).toBeGreaterThanOrEqual(10);
    expect(result.lines.every((l) => l.error?.code === 'EABORTED')).toBe(true);
  });

  it('a second Ctrl-C aborts at once, still whole lines', async () => {
    const s = await slowServer(30_000);
    const child = spawnCli([urls(s.url, 200), '--procs', '2', '--concurrency', '5', '--grace', '60000ms']);
    const done = collectOutput(child);
    await waitFor(() => s.inFlight >= 10);
    killTree(child.pid as number, 'SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    killTree(child.pid as number, 'SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    // Far below the 60 s grace.
    expect(Date.now() - started).toBeLessThan(15_000);
    expectWholeDistinctLines(result, 200);
    expect(result.lines.length).toBeGreaterThanOrEqual(10);
    expect(result.lines.every((l) => l.error?.code === 'EABORTED')).toBe(true);
  });

  it('children exit when the parent is SIGKILLed', async () => {
    const s = await slowServer(30_000);
    const child = spawnCli([urls(s.url, 200), '--procs', '2', '--concurrency', '5']);
    const done = collectOutput(child);
    await waitFor(() => s.inFlight >= 10);
    const children = processTree(child.pid as number);
    expect(children.length).toBeGreaterThanOrEqual(2);
    // Only the parent: its children must notice on their own.
    process.kill(child.pid as number, 'SIGKILL');
    await done;
    for (const pid of children) expect(await waitForDeath(pid, 10_000)).toBe(true);
    expect(children.filter(isAlive)).toEqual([]);
  });
});
