// A record that kills its child: the server SIGKILLs the CLI's child process
// whenever that record's request arrives (as an OOM on its response would).
// With --procs 1 the only child is the one handling it.
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, collectOutput, processTree, spawnCli, startHttpServer, writeTempFile } from '../helpers/index.js';

const track = cleanupAfterEach();

describe('child crash recovery', () => {
  it('re-runs what a dead child held: innocents succeed once each, only the killer becomes ECHILDCRASH', async () => {
    let cliPid = 0;
    let kills = 0;
    const server = track(await startHttpServer(async (req, res, ctx) => {
      if (req.url === '/killer') {
        kills += 1;
        for (const pid of processTree(cliPid)) process.kill(pid, 'SIGKILL');
        return;
      }
      if (await ctx.delay(150)) res.end(JSON.stringify({ path: req.url }));
    }));
    const n = 60;
    const killerLine = 7;
    const lines = Array.from({ length: n }, (_, i) => (i + 1 === killerLine ? `${server.url}/killer` : `${server.url}/r${i + 1}`));
    const child = spawnCli([writeTempFile(lines), '--procs', '1', '--concurrency', '20']);
    cliPid = child.pid as number;
    const result = await collectOutput(child);
    expect(result.code).toBe(0);
    expect(result.nonJson).toEqual([]);
    expect(result.lines.map((l) => l.line).sort((a, b) => a - b)).toEqual(lines.map((_, i) => i + 1));
    const killer = result.lines.find((l) => l.line === killerLine);
    expect(killer?.error?.code).toBe('ECHILDCRASH');
    const innocents = result.lines.filter((l) => l.line !== killerLine);
    expect(innocents.filter((l) => l.status !== 200)).toEqual([]);
    // Bisection: the window's records take about log2(window) crashes to isolate, then two solo crashes.
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(kills).toBeLessThanOrEqual(12);
  });
});
