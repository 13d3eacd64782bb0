import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { readLineChunks } from '../../../src/input/lines.js';
import { planInput } from '../../../src/parent/cache-plan/plan-cache.js';
import { RecordRouter } from '../../../src/parent/record-router.js';
import { emptyInputCounters } from '../../../src/parent/run-monitor.js';
import type { WorkerPool } from '../../../src/parent/worker-pool.js';
import type { Shard } from '../../../src/run-types.js';

const dir = mkdtempSync(join(tmpdir(), 'bulkfetch-router-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Variant {
  method: string;
  procs: number;
  shard?: Shard;
  skipLine?: (line: number) => boolean;
}

/**
 * Every task the router hands out for `lines`, as [child, line, task], with
 * the cache directives and origin marks of a real pass over the same file.
 * `split` cuts every line in two chunks, so none lies whole in one: each is
 * decoded and parsed from its text, never routed off its bytes.
 */
async function routed(lines: string[], variant: Variant, split: boolean): Promise<Array<[number, number, string]>> {
  const text = `${lines.join('\n')}\n`;
  const input = join(dir, `${variant.method}-${variant.procs}-${variant.shard?.index ?? ''}-${split}.txt`);
  writeFileSync(input, text);
  const options = { cache: 'auto' as const, input, method: variant.method, maxLineBytes: 4096, shard: variant.shard, protoDefault: 'http' as const };
  const { cache: cachePlan, origins } = await planInput(options, variant.procs);
  const tasks: Array<[number, number, string]> = [];
  const pool = {
    size: variant.procs,
    submit: (child: number, line: number, task: string) => void tasks.push([child, line, task]),
    flush: () => {},
  } as unknown as WorkerPool;
  const counters = emptyInputCounters();
  const router = new RecordRouter({ options, pool, cachePlan, origins, reorder: undefined, out: new PassThrough(), counters, skipLine: variant.skipLine, halted: () => false });
  const chunks = split ? lines.flatMap((line) => [line.slice(0, 3), `${line.slice(3)}\n`]) : [text];
  for await (const cursor of readLineChunks(Readable.from(chunks.map((c) => Buffer.from(c))), { maxLineBytes: 4096 })) {
    expect(router.route(cursor)).toBe(true);
  }
  // Invalid records are answered here, the same either way.
  tasks.push([-1, router.takeInvalid().count, JSON.stringify(counters)]);
  return tasks;
}

describe('RecordRouter', () => {
  // Repeats enough for the cache to be on (directives and later uses in the tasks), several origins per
  // child, and lines that are not URLs in normal form (parsed from their text either way).
  const distinct = Array.from({ length: 150 }, (_, i) => `http://h${i % 7}.test:${8000 + (i % 3)}/item/${i}?q=${i % 5}`);
  const urls = [...distinct, ...distinct.slice(0, 100), ...distinct.slice(50)];
  urls.push('HTTP://H1.TEST:8001/item/1?q=1', 'https://a.test/x', 'https://a.test:443/x', '  http://h2.test:8002/item/2?q=2 ', '# comment', '', 'http://u:p@h3.test/', 'ftp://h1.test/');
  const variants: Array<[string, Variant]> = [
    ['one child', { method: 'GET', procs: 1 }],
    ['three children', { method: 'GET', procs: 3 }],
    ['a shard of three children, -X POST', { method: 'POST', procs: 3, shard: { index: 1, count: 2 } }],
    ['--resume skipping every fifth line', { method: 'GET', procs: 2, skipLine: (line) => line % 5 === 0 }],
  ];

  it.each(variants)('routes a URL read off its bytes to the task its text gives (%s)', async (_, variant) => {
    const fromBytes = await routed(urls, variant, false);
    const fromText = await routed(urls, variant, true);
    expect(fromBytes).toEqual(fromText);
    // The tasks carry what the comparison is about: several children, cache directives, origin marks.
    expect(fromBytes.length).toBeGreaterThan(100);
    const tasks = fromBytes.filter(([child]) => child >= 0).map(([, , task]) => JSON.parse(task) as { cache?: number; uses?: number; last?: number });
    // A POST is never answered from the cache: the pass counts no repeats of it, and no task gets a directive.
    expect(tasks.some((task) => task.cache !== undefined && task.uses !== undefined)).toBe(variant.method !== 'POST');
    expect(tasks.some((task) => task.last !== undefined)).toBe(true);
    expect(new Set(fromBytes.map(([child]) => child).filter((child) => child >= 0)).size).toBe(variant.procs);
  });
});
