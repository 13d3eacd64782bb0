import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressView, duration } from '../../../src/output/progress.js';
import { emptyStats } from '../../../src/wire/stats.js';
import type { RunProgress } from '../../../src/run-types.js';

function sink(): { stream: Writable; writes: string[] } {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk.toString());
      done();
    },
  });
  return { stream, writes };
}

function sample(lines: number, requests: number, errors = 0, cached = 0): RunProgress {
  return { lines, stats: { ...emptyStats(), requests, attemptsMade: requests, errors, cached }, elapsedMs: 0 };
}

describe('ProgressView', () => {
  it('on a terminal redraws in place at most 10 times a second, then erases its line', () => {
    let now = 0;
    const out = sink();
    const view = new ProgressView({ stream: out.stream, tty: true, now: () => now });
    view.setTotal(10_000);
    for (let i = 0; i <= 300; i++) {
      now = i * 10; // an update every 10 ms for 3 s
      view.update(sample(i * 20, i * 10, 3, 7));
    }
    expect(out.writes.length).toBeGreaterThanOrEqual(25);
    expect(out.writes.length).toBeLessThanOrEqual(31);
    for (const w of out.writes) expect(w.startsWith('\r') && w.endsWith('\x1b[K')).toBe(true);
    const last = out.writes[out.writes.length - 1]!;
    expect(last).toContain('/10,000 lines');
    expect(last).toContain('1,000 req/s');
    expect(last).toContain('3 errors');
    expect(last).toContain('7 cached');
    expect(last).toMatch(/ETA \d+s/);
    view.done();
    expect(out.writes[out.writes.length - 1]).toBe('\r\x1b[K');
  });

  it('off a terminal writes plain lines, rarely, with no escape codes or carriage returns', () => {
    let now = 0;
    const out = sink();
    const view = new ProgressView({ stream: out.stream, tty: false, now: () => now });
    for (let i = 0; i <= 500; i++) {
      now = i * 10;
      view.update(sample(i, i));
    }
    view.done();
    expect(out.writes.length).toBeGreaterThanOrEqual(2);
    expect(out.writes.length).toBeLessThanOrEqual(5);
    for (const w of out.writes) {
      expect(w).not.toMatch(/[\r\x1b]/);
      expect(w.endsWith('\n')).toBe(true);
    }
    // No total (stdin): no percentage, no ETA.
    expect(out.writes.join('')).not.toContain('ETA');
  });

  it('once the run is stopping says so in place of an ETA (after a Ctrl-C it read "ETA 1s" for a run that would not finish)', () => {
    let now = 0;
    const out = sink();
    const view = new ProgressView({ stream: out.stream, tty: false, now: () => now });
    view.setTotal(200);
    view.update(sample(50, 50));
    now = 2000;
    view.update(sample(100, 100));
    expect(out.writes.at(-1)).toMatch(/ETA \d+s/);
    view.stopping();
    now = 4000;
    view.update(sample(157, 110, 99));
    expect(out.writes.at(-1)).toMatch(/157\/200 lines 78\.5% \| \d+ req\/s \| 99 errors \| 0 cached \| stopping\n$/);
    expect(out.writes.at(-1)).not.toContain('ETA');
  });

  it('leaves time the process was stopped (Ctrl-Z, a suspend) out of its rates: after fg it read "4 req/s, ETA 1h03m"', () => {
    let now = 0;
    const out = sink();
    const view = new ProgressView({ stream: out.stream, tty: true, now: () => now });
    view.setTotal(100_000);
    let lines = 0;
    const run = (ms: number): void => {
      for (const end = now + ms; now < end; ) {
        now += 100;
        lines += 10; // 100 lines a second
        view.update(sample(lines, lines));
      }
    };
    run(3000);
    now += 35_000; // stopped: no sample
    run(1500);
    const last = out.writes.at(-1) as string;
    expect(last).toMatch(/\| 100 req\/s \|/);
    expect(last).toMatch(/ETA 16m\d\ds/);
  });

  it('draws nothing while held (result lines on their way to the same terminal), and again once released', () => {
    let now = 0;
    const out = sink();
    const view = new ProgressView({ stream: out.stream, tty: true, now: () => now });
    view.update(sample(1, 1));
    view.hold();
    const writes = out.writes.length;
    for (let i = 1; i <= 5; i++) {
      now = i * 500;
      view.update(sample(i * 10, i * 10));
    }
    // A draw here went before the held lines landed: "... ETA 2s{"line":1873,...".
    expect(out.writes.length).toBe(writes);
    view.release();
    expect(out.writes.at(-1)).toMatch(/^\rbulkfetch 50 lines/);
  });

  it('formats durations', () => {
    expect(duration(5)).toBe('5s');
    expect(duration(75)).toBe('1m15s');
    expect(duration(4000)).toBe('1h06m');
  });
});

describe('progress width (issue 11)', () => {
  it('drops fields from the right to fit, then words of the first, never cutting a number', async () => {
    const { fitWidth } = await import('../../../src/output/progress.js');
    expect(fitWidth(['bulkfetch 1/2 lines', '3 req/s', 'ETA 1s'], 80)).toBe('bulkfetch 1/2 lines | 3 req/s | ETA 1s');
    expect(fitWidth(['bulkfetch 1/2 lines', '3 req/s', 'ETA 1s'], 31)).toBe('bulkfetch 1/2 lines | 3 req/s');
    // At 20 columns `bulkfetch 13/2` read as 13 of 2; at 25 `9.0%` came as `9`.
    expect(fitWidth(['bulkfetch 13/200 lines 9.0%', '3 req/s'], 20)).toBe('bulkfetch 13/200');
    expect(fitWidth(['bulkfetch 18/200 lines 9.0%', '3 req/s'], 25)).toBe('bulkfetch 18/200 lines');
    // Narrower than the name and the count: the count alone.
    expect(fitWidth(['bulkfetch 130/2000 lines'], 11)).toBe('130/2000');
    expect(fitWidth(['bulkfetch'], 5)).toBe('bulk');
  });

  it('reads the width at every draw, so a resized terminal (SIGWINCH) gets lines that fit', () => {
    let now = 0;
    const out = sink();
    const stream = Object.assign(out.stream, { columns: 120 });
    const view = new ProgressView({ stream, tty: true, now: () => now });
    view.setTotal(10_000);
    view.update(sample(10, 10));
    stream.columns = 30;
    now = 1000;
    view.update(sample(20, 20));
    const widths = out.writes.map((w) => w.replace('\r', '').replace('\x1b[K', '').length);
    expect(widths[0]).toBeGreaterThan(30);
    expect(widths[1]).toBeLessThan(30);
  });
});
