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
  const value = (Array.isArray(header) ? header.join(',') : header)?.trim().toLowerCase();
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate' || value === 'br') return value;
  return undefined;
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
