import { describe, expect, it } from 'vitest';
import { childOf, hashKey, shardOf } from '../../../src/input/request-key.js';
import { hostOf } from '../../../src/input/host-of.js';

describe('shard and child routing', () => {
  it('spreads the records of one shard over all children, even with N = procs', () => {
    for (const [n, procs] of [
      [4, 4],
      [8, 4],
      [3, 6],
    ] as const) {
      const perChild = new Array<number>(procs).fill(0);
      let inShard = 0;
      for (let i = 0; i < 40_000; i++) {
        const key = `GET https://example.com/items/${i}`;
        if (shardOf(hashKey(key), n) !== 1) continue;
        inShard += 1;
        perChild[childOf(hashKey(key), procs)]! += 1;
      }
      const even = inShard / procs;
      for (const count of perChild) expect(Math.abs(count - even) / even).toBeLessThan(0.1);
    }
  });
});

describe('hostOf', () => {
  it('reads host and port off a normalized URL, without credentials', () => {
    expect(hostOf('https://example.com/a?b')).toBe('example.com');
    expect(hostOf('http://127.0.0.1:8080/')).toBe('127.0.0.1:8080');
    expect(hostOf('http://user:pw@[::1]:81/x')).toBe('[::1]:81');
    expect(hostOf('http://a.example/p@q')).toBe('a.example');
  });
});
