import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw, type Zlib } from 'node:zlib';
import type { Transform } from 'node:stream';

/** What bulkfetch asks for by default and decodes (as httpx, requests and Go do). */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

export type ContentCoding = 'gzip' | 'deflate' | 'br';

/**
 * The coding to undo for a Content-Encoding header, or undefined when there is
 * none we decode (identity, several stacked codings, zstd ...): then the bytes
 * are kept as they came, and the header in the output says what they are.
 */
export function contentCoding(header: string | string[] | undefined): ContentCoding | undefined {
  const value = normalizedCoding(header);
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate' || value === 'br') return value;
  return undefined;
}

/**
 * No content coding at all (absent, empty or `identity`): the bytes are the
 * body itself. Read as contentCoding reads it, so that a header sent twice
 * (`identity` then `gzip`) is neither decoded nor taken for plain bytes.
 */
export function isIdentityCoding(header: string | string[] | undefined): boolean {
  const value = normalizedCoding(header);
  return value === undefined || value === '' || value === 'identity';
}

/** One Content-Encoding value: repeated header lines joined as one list (RFC 9110, 5.3). */
function normalizedCoding(header: string | string[] | undefined): string | undefined {
  return (Array.isArray(header) ? header.join(',') : header)?.trim().toLowerCase();
}

/**
 * A streaming decoder for one body. `deflate` is zlib-wrapped by the RFC but sent
 * raw by some servers (as browsers and curl accept): the first bytes tell which.
 */
export function createContentDecoder(coding: ContentCoding, firstChunk: Buffer): Transform & Zlib {
  if (coding === 'gzip') return createGunzip();
  if (coding === 'br') return createBrotliDecompress();
  const [cmf, flg] = firstChunk;
  const zlibWrapped = cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && (cmf * 256 + flg) % 31 === 0;
  return zlibWrapped ? createInflate() : createInflateRaw();
}
