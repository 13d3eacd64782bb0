import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLineBatches, readLineChunks, type InputLine } from '../../../src/input/lines.js';

async function collect(chunks: Array<string | Buffer>, maxLineBytes = 1024): Promise<InputLine[]> {
  const out: InputLine[] = [];
  const stream = Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
  for await (const batch of readLineBatches(stream, { maxLineBytes })) out.push(...batch);
  return out;
}

const texts = (lines: InputLine[]) => lines.map((l) => l.text);

describe('readLineBatches', () => {
  it('splits on \\n only, strips one trailing \\r, keeps a lone \\r inside a line', async () => {
    const lines = await collect(['a\r\nb\rc\nd\r\r\n']);
    expect(texts(lines)).toEqual(['a', 'b\rc', 'd\r']);
  });

  it('numbers every line, blank ones included, and keeps a last line without newline', async () => {
    const lines = await collect(['x\n\n#c\ny']);
    expect(lines.map((l) => [l.line, l.text])).toEqual([
      [1, 'x'],
      [2, ''],
      [3, '#c'],
      [4, 'y'],
    ]);
  });

  it('strips a leading UTF-8 BOM from the first line only', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const lines = await collect([Buffer.concat([bom, Buffer.from('http://a/\n'), bom, Buffer.from('b\n')])]);
    expect(lines[0]?.text).toBe('http://a/');
    expect(lines[1]?.text).toBe('\ufeffb');
  });

  it('reads UTF-16 with a byte order mark (Windows PowerShell\'s files), little- or big-endian, split anywhere', async () => {
    const text = 'http://a/é\r\nhttp://b/😀?q=1\r\n\r\n# c\r\nhttp://d/';
    const little = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const big = Buffer.from(little).swap16();
    expect(big.subarray(0, 2)).toEqual(Buffer.from([0xfe, 0xff]));
    const expected = ['http://a/é', 'http://b/😀?q=1', '', '# c', 'http://d/'];
    for (const encoded of [little, big]) {
      expect(texts(await collect([encoded]))).toEqual(expected);
      // Every split point: odd bytes, a code unit's halves, a surrogate pair's halves.
      for (let cut = 1; cut < encoded.length; cut += 3) {
        expect(texts(await collect([encoded.subarray(0, cut), encoded.subarray(cut, cut + 5), encoded.subarray(cut + 5)].filter((c) => c.length > 0)))).toEqual(expected);
      }
    }
  });

  it('joins lines split across chunks, including multi-byte characters', async () => {
    const euro = Buffer.from('€');
    const lines = await collect([Buffer.from('ab'), Buffer.concat([Buffer.from('c'), euro.subarray(0, 1)]), Buffer.concat([euro.subarray(1), Buffer.from('\nd\n')])]);
    expect(texts(lines)).toEqual(['abc€', 'd']);
  });

  it('gives a line that is not UTF-8 with its bytes from 0x80 up as %XX, flagged, whole or split across chunks; never U+FFFD', async () => {
    // Latin-1 é and ÿ (not UTF-8), a UTF-8 é, and a real U+FFFD (UTF-8, so kept as it is).
    const latin1 = Buffer.concat([Buffer.from('http://a/caf'), Buffer.from([0xe9]), Buffer.from('?q=é&r='), Buffer.from([0xff])]);
    const replacement = Buffer.from('http://b/\ufffd\n');
    const whole = await collect([Buffer.concat([latin1, Buffer.from('\n'), replacement])]);
    expect(whole.map((l) => [l.text, l.notUtf8])).toEqual([
      ['http://a/caf%E9?q=%C3%A9&r=%FF', true],
      ['http://b/\ufffd', undefined],
    ]);
    // The same line cut inside it: the line is decoded once whole, the same way.
    const split = await collect([latin1.subarray(0, 13), Buffer.concat([latin1.subarray(13), Buffer.from('\n')])]);
    expect(split.map((l) => [l.text, l.notUtf8, l.bytes])).toEqual([['http://a/caf%E9?q=%C3%A9&r=%FF', true, latin1.length]]);
  });

  it('reports a line over the cap without its text, and goes on after it', async () => {
    const long = 'x'.repeat(3000);
    const lines = await collect([`ok\n${long.slice(0, 1000)}`, `${long.slice(1000)}\nnext\n`], 1024);
    expect(texts(lines)).toEqual(['ok', null, 'next']);
    expect(lines[1]).toMatchObject({ line: 2, bytes: 3000 });
  });

  it('counts an over-long CRLF line without its \\r, as the cap does: one byte over, in one chunk or split anywhere', async () => {
    // It said 1,026 bytes of a 1,025-byte line.
    const line = 'x'.repeat(1025);
    for (const chunks of [[`${line}\r\n`], [`${line}\r`, '\n'], [line.slice(0, 500), `${line.slice(500)}\r\n`], ['y'.repeat(3000), '\r\n']]) {
      const lines = await collect(chunks, 1024);
      expect(lines[0], JSON.stringify(chunks.map((c) => c.length))).toMatchObject({ text: null, bytes: chunks.join('').length - 2 });
    }
  });

  it('reports an over-long last line without newline', async () => {
    const lines = await collect(['a\n', 'y'.repeat(2000)], 1024);
    expect(lines.map((l) => l.text)).toEqual(['a', null]);
  });

  it('takes a comment or blank line past the cap as one (skipped), whole in a chunk or split, however much blank leads it', async () => {
    const comment = `# header: ${'x'.repeat(3000)}`;
    const indented = `${' '.repeat(1500)}\t# ${'y'.repeat(1500)}`;
    const blank = ' \t'.repeat(1500);
    const record = `${' '.repeat(1500)}http://h/${'z'.repeat(1500)}`;
    for (const chunks of [[`${comment}\n${indented}\n${blank}\n${record}\nok\n`], [comment.slice(0, 500), `${comment.slice(500)}\n${indented.slice(0, 1400)}`, `${indented.slice(1400)}\n${blank.slice(0, 2000)}`, `${blank.slice(2000)}\n${record}\nok\n`]]) {
      const lines = await collect(chunks, 1024);
      expect(texts(lines)).toEqual(['#', '#', '', null, 'ok']);
      expect(lines.map((l) => l.bytes)).toEqual([comment.length, indented.length, blank.length, record.length, 2]);
    }
  });

  it('caps the line, not a CRLF file\'s \\r: a line of exactly the cap is taken with either ending, whole or split', async () => {
    const atCap = 'a'.repeat(1024);
    for (const chunks of [[`${atCap}\r\n${atCap}\n${atCap}b\r\n`], [atCap, `\r\n${atCap.slice(0, 10)}`, `${atCap.slice(10)}\n${atCap}b\r`, '\n']]) {
      const lines = await collect(chunks, 1024);
      expect(texts(lines)).toEqual([atCap, atCap, null]);
    }
  });

  it('yields nothing for an empty input', async () => {
    expect(await collect([])).toEqual([]);
  });
});

describe('readLineChunks', () => {
  it('gives a chunk\'s lines one at a time, as readLineBatches does, however the taking is paced', async () => {
    const long = 'x'.repeat(1500);
    const chunks = ['ab', 'c\r\nd\n\n', `e\n${long.slice(0, 700)}`, `${long.slice(700)}\nf\ng`];
    const stream = Readable.from(chunks.map((c) => Buffer.from(c)));
    const taken: InputLine[] = [];
    for await (const lines of readLineChunks(stream, { maxLineBytes: 1024 })) {
      // A line at a time with a turn of the event loop between, as the run does while it waits for room.
      for (let line = lines.next(); line !== undefined; line = lines.next()) {
        taken.push(line);
        await new Promise((resolve) => setImmediate(resolve));
      }
      // A drained cursor stays drained.
      expect(lines.next()).toBeUndefined();
    }
    expect(taken).toEqual(await collect(chunks, 1024));
    expect(texts(taken)).toEqual(['abc', 'd', '', 'e', null, 'f', 'g']);
  });

  it('takes whole lines in place with nextSpan() and leaves the rest to next(), in order', async () => {
    const long = 'x'.repeat(1500);
    // The first chunk at least 6 bytes: fewer are held and joined to the next (to tell a compressed input).
    const chunks = ['ab0xyz', 'c\r\nd\n\n', `e\r\n${long.slice(0, 700)}`, `${long.slice(700)}\nf\ng`];
    const texts: Array<string | null> = [];
    const numbers: number[] = [];
    let spans = 0;
    for await (const lines of readLineChunks(Readable.from(chunks.map((c) => Buffer.from(c))), { maxLineBytes: 1024 })) {
      for (;;) {
        if (lines.nextSpan()) {
          spans += 1;
          texts.push(lines.chunk.toString('utf8', lines.spanStart, lines.spanEnd));
          numbers.push(lines.spanLine);
          continue;
        }
        const line = lines.next();
        if (line === undefined) break;
        texts.push(line.text);
        numbers.push(line.line);
      }
    }
    expect(texts).toEqual(['ab0xyzc', 'd', '', 'e', null, 'f', 'g']);
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // 'd', '', 'e' and 'f' lie whole in their chunk; 'ab0xyzc' began in an earlier one, the long line passed the cap, 'g' ends the input.
    expect(spans).toBe(4);
  });
});
