import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ReorderBuffer } from '../../../src/output/reorder-buffer.js';

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

const line = (n: number) => `{"line":${n},"x":1}\n`;
const lineNumbers = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { line: number }).line);

describe('ReorderBuffer', () => {
  it('writes results in admission order whatever order they arrive in', async () => {
    const out = collector();
    const buffer = new ReorderBuffer(out.stream, { maxRecords: 100, maxBytes: 1 << 20 });
    for (const n of [2, 3, 5, 8, 9]) buffer.admit(n);
    buffer.write(line(8) + line(3));
    buffer.write(line(5));
    expect(out.text()).toBe('');
    buffer.write(line(2));
    buffer.write(line(9));
    await buffer.drainAll();
    expect(lineNumbers(out.text())).toEqual([2, 3, 5, 8, 9]);
  });

  it('has no room once maxRecords are admitted and unwritten, and room again when the head is written', async () => {
    const out = collector();
    const buffer = new ReorderBuffer(out.stream, { maxRecords: 3, maxBytes: 1 << 20 });
    for (const n of [1, 2, 3]) buffer.admit(n);
    expect(buffer.hasRoom()).toBe(false);
    let resumed = false;
    const room = buffer.waitForRoom().then(() => (resumed = true));
    buffer.write(line(3));
    buffer.write(line(2));
    await new Promise((r) => setImmediate(r));
    expect(resumed).toBe(false); // line 1, the head, is still missing
    buffer.write(line(1));
    await room;
    expect(buffer.outstanding).toBe(0);
    await buffer.drainAll();
    expect(lineNumbers(out.text())).toEqual([1, 2, 3]);
  });

  it('pauses intake when held bytes pass maxBytes', () => {
    const out = collector();
    const buffer = new ReorderBuffer(out.stream, { maxRecords: 1000, maxBytes: 30 });
    for (let n = 1; n <= 5; n++) buffer.admit(n);
    buffer.write(line(2) + line(3));
    expect(buffer.hasRoom()).toBe(false);
  });

  it('admits no more records than maxBytes holds at the line size seen: few of 1 MiB, many of 20 bytes', () => {
    const buffer = new ReorderBuffer(collector().stream, { maxRecords: 4096, maxBytes: 64 << 20, firstLineGuess: 1 << 20 });
    const admitAll = (from: number): number => {
      let n = from;
      while (buffer.hasRoom()) buffer.admit(n++);
      return n;
    };
    // Before any line, each is taken to be 1 MiB: 64 records (answered while the head stalls, they are what is held).
    let next = admitAll(1);
    expect(next - 1).toBe(64);
    for (let n = 1; n < next; n++) buffer.write(line(n));
    // 64 small lines later the mean is about 16 KB: thousands fit, and the record bound rules again.
    next = admitAll(next);
    expect(buffer.outstanding).toBe(4096);
    for (let n = 65; n < next; n++) buffer.write(line(n));
    expect(buffer.outstanding).toBe(0);
  });

  it('follows lines that grow, and still admits a few of lines larger than maxBytes', () => {
    const buffer = new ReorderBuffer(collector().stream, { maxRecords: 4096, maxBytes: 1 << 20 });
    let n = 0;
    const answerInOrder = (text: (k: number) => string, count: number): void => {
      for (let k = 0; k < count; k++) {
        buffer.admit(++n);
        buffer.write(text(n));
      }
    };
    const sized = (bytes: number) => (k: number) => `{"line":${k},"b":"${'x'.repeat(bytes)}"}\n`;
    answerInOrder(line, 1000);
    const admitted = (): number => {
      let count = 0;
      for (; buffer.hasRoom(); count++) buffer.admit(n + 1 + count);
      for (let k = 1; k <= count; k++) buffer.write(line(n + k));
      n += count;
      return count;
    };
    expect(admitted()).toBe(4096);
    // Thousands of small lines weigh nothing against lines of 16 KiB once a few dozen of them came (1 MiB holds 64).
    answerInOrder(sized(16 << 10), 48);
    expect(admitted()).toBeLessThanOrEqual(128);
    answerInOrder(sized(2 << 20), 48);
    expect(admitted()).toBe(16);
  });

  it('on end, writes what is held in order, skipping records never answered', async () => {
    const out = collector();
    const buffer = new ReorderBuffer(out.stream, { maxRecords: 10, maxBytes: 1 << 20 });
    for (const n of [1, 2, 3]) buffer.admit(n);
    buffer.write(line(3));
    buffer.write(line(2));
    await buffer.drainAll();
    expect(lineNumbers(out.text())).toEqual([2, 3]);
  });
});
