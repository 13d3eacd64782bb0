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
