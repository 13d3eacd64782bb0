import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OriginPlanner, hashOrigin } from '../../../../src/parent/cache-plan/origin-planner.js';
import { originOf } from '../../../../src/input/host-of.js';
import { scanStream } from '../../../../src/parent/cache-plan/scan-input.js';
import { childOf, hashKey, requestKey } from '../../../../src/input/request-key.js';
import { OriginUse, encodeTask, encodeUrlTask } from '../../../../src/wire/messages.js';

const scanOptions = { method: 'GET', maxLineBytes: 4096 };

/** How a run with `procs` children would mark each record's use of its origin in its child. */
async function originUses(urls: string[], procs: number): Promise<Array<OriginUse | undefined>> {
  const scan = await scanStream(Readable.from([urls.join('\n') + '\n']), { ...scanOptions, procs });
  const planner = new OriginPlanner(scan.origins!);
  return urls.map((url) => planner.originUse(url, procs === 1 ? 0 : childOf(hashKey(requestKey({ method: 'GET', url })), procs)));
}

/** Which records a run with `procs` children would mark as their child's last to its origin (the only one included). */
async function lastUses(urls: string[], procs: number): Promise<boolean[]> {
  return (await originUses(urls, procs)).map((use) => use !== undefined);
}

describe('origins counted in the pass over the input', () => {
  it('marks the last record of each origin, and only that one', async () => {
    const urls = ['http://a.test/1', 'http://b.test/1', 'http://a.test:8080/1', 'http://a.test/2', 'https://a.test/1', 'http://b.test/2'];
    expect(await lastUses(urls, 1)).toEqual([false, false, true, true, true, true]);
  });

  it('tells an origin asked only once from the last of several', async () => {
    const urls = ['http://a.test/1', 'http://b.test/1', 'http://a.test:8080/1', 'http://a.test/2', 'https://a.test/1', 'http://b.test/2'];
    const { LAST, ONLY } = OriginUse;
    expect(await originUses(urls, 1)).toEqual([undefined, undefined, ONLY, LAST, ONLY, LAST]);
  });

  it('counts per child: a child\'s last record to a host is marked though other children send there later', async () => {
    const urls = Array.from({ length: 200 }, (_, i) => `http://h${i % 10}.test/${i}`);
    const marks = await lastUses(urls, 3);
    const child = (url: string): number => childOf(hashKey(requestKey({ method: 'GET', url })), 3);
    // The truth: for each (child, host), the last record.
    const last = new Map<string, number>();
    urls.forEach((url, i) => last.set(`${child(url)} ${new URL(url).host}`, i));
    const truth = urls.map((url, i) => last.get(`${child(url)} ${new URL(url).host}`) === i);
    // Few keys in a large sketch: no false "comes again" here, and never a false last.
    expect(marks).toEqual(truth);
  });

  it('counts a line read off its bytes and one parsed from its text as the same request and origin', async () => {
    // The first a.test line is in normal form and whole in its chunk (counted off its bytes), the second
    // is not in normal form (parsed), the third has blanks around it: one request. The b.test line is
    // split between two chunks (decoded and parsed).
    const chunks = ['http://a.test:8080/1\nhttp://b.test/', 'x\nHTTP://A.TEST:8080/1\r\n', '  http://a.test:8080/1 \n'];
    const scan = await scanStream(Readable.from(chunks.map((c) => Buffer.from(c))), { ...scanOptions, procs: 1 });
    expect(scan.requests).toBe(4);
    const hash = hashKey(requestKey({ method: 'GET', url: 'http://a.test:8080/1' }));
    expect([scan.sketch.take(hash), scan.sketch.take(hash), scan.sketch.take(hash)]).toEqual([2, 1, 0]);
    const planner = new OriginPlanner(scan.origins!);
    expect([0, 1, 2].map(() => planner.originUse('http://a.test:8080/1', 0))).toEqual([undefined, undefined, OriginUse.LAST]);
    expect(planner.originUse('http://b.test/x', 0)).toBe(OriginUse.ONLY);
  });

  it('is not counted without procs (bulkfetch analyze)', async () => {
    const scan = await scanStream(Readable.from(['http://a.test/\n']), scanOptions);
    expect(scan.origins).toBeUndefined();
  });
});

describe('encodeTask', () => {
  const spec = { line: 3, method: 'GET', url: 'http://a.test/' };
  it('splices the cache directive and the origin-use mark into the spec', () => {
    expect(JSON.parse(encodeTask(spec, undefined))).toEqual(spec);
    expect(JSON.parse(encodeTask(spec, undefined, OriginUse.LAST))).toEqual({ ...spec, last: 1 });
    expect(JSON.parse(encodeTask(spec, 2, OriginUse.LAST))).toEqual({ ...spec, cache: 2, last: 1 });
    expect(JSON.parse(encodeTask(spec, undefined, OriginUse.ONLY))).toEqual({ ...spec, last: 2 });
    expect(JSON.parse(encodeTask(spec, 1))).toEqual({ ...spec, cache: 1 });
  });

  it('writes a URL line\'s task (encodeUrlTask) exactly as it encodes the spec', () => {
    for (const [method, url] of [['GET', 'http://a.test/'], ['POST', 'https://b.test:8443/p/q?x=1&y=%20'], ['M-SEARCH', 'http://10.0.0.1/~a!$&()*+,;=:@']] as const) {
      const plain = { line: 17, method, url };
      for (const [directive, use, uses] of [[undefined, undefined, 0], [undefined, OriginUse.LAST, 0], [2, OriginUse.ONLY, 0], [1, undefined, 3], [1, OriginUse.LAST, 14]] as const) {
        expect(encodeUrlTask(17, JSON.stringify(method), url, directive, use, uses)).toBe(encodeTask(plain, directive, use, uses));
      }
    }
  });

  it('hashes an origin in place exactly as hashKey hashes the origin string', () => {
    for (const url of ['http://127.0.0.1:8080/x', 'https://a.example/', 'http://u:***@h.test:81/p?q', 'http://h.test', 'https://x.test?q=1']) {
      expect(hashOrigin(url)).toBe(hashKey(originOf(url)));
    }
  });
});
