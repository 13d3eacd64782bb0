import zlib, { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { contentCodings, createContentDecoder, DECODES_ZSTD, isIdentityCoding, type ContentCoding } from '../../../src/http/content-decoder.js';

describe('reading Content-Encoding', () => {
  it('names the codings it decodes, whatever their case and spaces', () => {
    expect(contentCodings(' GZIP ')).toEqual(['gzip']);
    expect(contentCodings('x-gzip')).toEqual(['gzip']);
    expect(contentCodings('br')).toEqual(['br']);
    expect(contentCodings(['deflate'])).toEqual(['deflate']);
    // identity changes nothing, in a list or a header sent twice (curl decodes these too).
    expect(contentCodings('gzip, identity')).toEqual(['gzip']);
    expect(contentCodings(['identity', 'gzip'])).toEqual(['gzip']);
  });

  it('names stacked codings in the order they were applied, up to five as curl', () => {
    expect(contentCodings('gzip, br')).toEqual(['gzip', 'br']);
    expect(contentCodings(['deflate', 'gzip'])).toEqual(['deflate', 'gzip']);
    expect(contentCodings('gzip, gzip, gzip, gzip, gzip')).toHaveLength(5);
    expect(contentCodings('gzip, gzip, gzip, gzip, gzip, gzip')).toBeUndefined();
  });

  it('decodes nothing with a coding it cannot undo: unknown, in a stack, or none', () => {
    expect(contentCodings('compress')).toBeUndefined();
    expect(contentCodings('gzip, compress')).toBeUndefined();
    expect(contentCodings(undefined)).toBeUndefined();
    expect(contentCodings('identity')).toBeUndefined();
  });

  it('names zstd where this Node decodes it (22.15 on), and only there', () => {
    const zstdInZlib = typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';
    expect(DECODES_ZSTD).toBe(zstdInZlib);
    expect(contentCodings('zstd')).toEqual(zstdInZlib ? ['zstd'] : undefined);
    expect(contentCodings('gzip, ZSTD')).toEqual(zstdInZlib ? ['gzip', 'zstd'] : undefined);
  });

  it('calls bytes plain only when no coding is named at all', () => {
    expect(isIdentityCoding(undefined)).toBe(true);
    expect(isIdentityCoding('')).toBe(true);
    expect(isIdentityCoding(' Identity ')).toBe(true);
    expect(isIdentityCoding('zstd')).toBe(false);
    // A header sent twice is one list: gzip is still on these bytes.
    expect(isIdentityCoding(['identity', 'gzip'])).toBe(false);
  });

  async function decoded(codings: ContentCoding[], body: Buffer): Promise<string> {
    const decoder = createContentDecoder(codings, body);
    decoder.end(body);
    const chunks: Buffer[] = [];
    for await (const chunk of decoder) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString();
  }

  it('decodes what it names', async () => {
    expect(await decoded(['gzip'], gzipSync('{"a":1}'))).toBe('{"a":1}');
    expect(await decoded(['deflate'], deflateRawSync('raw'))).toBe('raw');
  });

  it('undoes stacked codings last applied first', async () => {
    expect(await decoded(['gzip', 'gzip'], gzipSync(gzipSync('twice')))).toBe('twice');
    expect(await decoded(['deflate', 'br'], brotliCompressSync(deflateSync('deflate then br')))).toBe('deflate then br');
    // The coding undone first may be raw deflate, told by its first bytes.
    expect(await decoded(['gzip', 'deflate'], deflateRawSync(gzipSync('gzip then raw deflate')))).toBe('gzip then raw deflate');
  });

  it('fails as a whole when an inner coding does not decode', async () => {
    await expect(decoded(['gzip', 'gzip'], gzipSync('only once'))).rejects.toThrow(/incorrect header check/);
  });
});
