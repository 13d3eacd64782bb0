import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countLines } from '../../../src/input/count-lines.js';
import { tempDir } from '../../helpers/index.js';

const file = (name: string, bytes: Buffer): string => {
  const path = join(tempDir(), name);
  writeFileSync(path, bytes);
  return path;
};

describe('countLines', () => {
  it('counts UTF-8 lines, a last one without its newline too', async () => {
    expect(await countLines(file('a.txt', Buffer.from('a\nb\nc')))).toBe(3);
    expect(await countLines(file('b.txt', Buffer.from('a\nb\n')))).toBe(2);
    expect(await countLines(file('e.txt', Buffer.alloc(0)))).toBe(0);
  });

  it("counts a UTF-16 file's lines by its code units: 0A 00 is one newline, and the 0x0A of Ċ (U+010A) none", async () => {
    const text = 'http://a/Ċ1\nhttp://a/ĊĊ2\nhttp://a/3';
    const little = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const big = Buffer.from(little).swap16();
    expect(await countLines(file('le.txt', little))).toBe(3);
    expect(await countLines(file('be.txt', big))).toBe(3);
    const ended = Buffer.concat([little, Buffer.from('\n', 'utf16le')]);
    expect(await countLines(file('le2.txt', ended))).toBe(3);
  });
});
