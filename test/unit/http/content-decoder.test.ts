import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { contentCoding, createContentDecoder, isIdentityCoding } from '../../../src/http/content-decoder.js';

describe('reading Content-Encoding', () => {
  it('names the one coding it decodes, whatever its case and spaces', () => {
    expect(contentCoding(' GZIP ')).toBe('gzip');
    expect(contentCoding('x-gzip')).toBe('gzip');
    expect(contentCoding('br')).toBe('br');
    expect(contentCoding(['deflate'])).toBe('deflate');
    // identity changes nothing, in a list or a header sent twice (curl decodes these too).
    expect(contentCoding('gzip, identity')).toBe('gzip');
    expect(contentCoding(['identity', 'gzip'])).toBe('gzip');
  });

  it('decodes nothing it cannot undo in one step: stacked, unknown or none', () => {
    expect(contentCoding('gzip, br')).toBeUndefined();
    expect(contentCoding('zstd')).toBeUndefined();
    expect(contentCoding(undefined)).toBeUndefined();
  });

  it('calls bytes plain only when no coding is named at all', () => {
    expect(isIdentityCoding(undefined)).toBe(true);
    expect(isIdentityCoding('')).toBe(true);
    expect(isIdentityCoding(' Identity ')).toBe(true);
    expect(isIdentityCoding('zstd')).toBe(false);
    // A header sent twice is one list: gzip is still on these bytes.
    expect(isIdentityCoding(['identity', 'gzip'])).toBe(false);
  });

  it('decodes what it names', async () => {
    const decoder = createContentDecoder('gzip', gzipSync('{"a":1}'));
    decoder.end(gzipSync('{"a":1}'));
    const chunks: Buffer[] = [];
    for await (const chunk of decoder) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('{"a":1}');
  });
});
