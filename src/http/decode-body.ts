import { isUtf8 } from 'node:buffer';
import type { BodyMode } from '../run-types.js';

export interface DecodedBody {
  body: unknown;
  bodyEncoding?: 'base64';
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b|^[\w.+-]+\/[\w.+-]+\+json\b/i;
const TEXT_TYPE = /^text\/|^application\/(?:[\w.+-]+\+)?(?:xml|javascript|ecmascript|x-www-form-urlencoded|x-ndjson)\b|^image\/svg\+xml\b/i;

/**
 * Turns the bytes kept of a response into the `body` field.
 *
 * auto: JSON parsed into a value (so `jq .body.field` works) unless it was cut or
 * does not parse; text types as a string; anything else as base64, flagged with
 * `bodyEncoding`, since raw bytes cannot travel in JSON. Bytes still under a
 * content coding (`encoded`: --no-compressed, or a coding we do not decode) are
 * not what their content type describes, so they go as base64 too.
 */
export function decodeBody(bytes: Buffer, contentType: string | undefined, mode: BodyMode, truncated: boolean, encoded = false): DecodedBody {
  if (mode === 'none') return { body: null };
  if (mode === 'base64' || (mode === 'auto' && encoded)) return { body: bytes.toString('base64'), bodyEncoding: 'base64' };
  if (mode === 'text') return { body: bytes.toString('utf8') };
  if (bytes.length === 0) return { body: '' };
  const type = contentType ?? '';
  if (JSON_TYPE.test(type)) {
    const text = bytes.toString('utf8');
    if (!truncated) {
      try {
        return { body: JSON.parse(text) as unknown };
      } catch {
        // A server that says JSON and sends something else still gets its text shown.
      }
    }
    return { body: text };
  }
  if (TEXT_TYPE.test(type) || (type === '' && isLikelyText(bytes))) return { body: bytes.toString('utf8') };
  return { body: bytes.toString('base64'), bodyEncoding: 'base64' };
}

/** Without a content type, valid UTF-8 with no NUL is shown as text. */
function isLikelyText(bytes: Buffer): boolean {
  return !bytes.includes(0) && isUtf8(bytes);
}
