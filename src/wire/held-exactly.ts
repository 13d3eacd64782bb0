/**
 * Whether JSON.parse holds a JSON text's meaning exactly. An output line carries
 * a JSON body as the server's own text (digit for digit, duplicate keys and all);
 * a library result is a parsed line, and JSON.parse turns 12345678901234567890
 * into 12345678901234567000, 1e400 into Infinity, and keeps one of two members
 * of the same name. The library gives such a body as its text instead.
 */

import { skipSpace, stringEnd } from '../input/json-member.js';

const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;

/**
 * True when every number in `text` (valid JSON, as a line's body is) is the
 * value a double holds for it (`1.0`, `1e2` and `0.1` are; 2^53 + 1 is not)
 * and no object names a member twice.
 */
export function heldExactly(text: string): boolean {
  // Per open container: the member names an object has had (null for an array).
  const names: Array<Set<string> | null> = [];
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const end = stringEnd(text, i);
      const top = names[names.length - 1];
      // A string in an object followed by a colon is a member name.
      if (top && text.charCodeAt(skipSpace(text, end)) === COLON) {
        const raw = text.slice(i, end);
        const name = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.has(name)) return false;
        top.add(name);
      }
      i = end;
    } else if (code === OPEN_BRACE) {
      names.push(new Set());
      i++;
    } else if (code === OPEN_BRACKET) {
      names.push(null);
      i++;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      names.pop();
      i++;
    } else if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
      let end = i + 1;
      while (end < text.length && /[0-9eE.+-]/.test(text[end] as string)) end++;
      if (!numberHeld(text.slice(i, end))) return false;
      i = end;
    } else {
      i++;
    }
  }
  return true;
}

/** Whether the double JSON.parse makes of `token` has the value the token writes. */
function numberHeld(token: string): boolean {
  const value = Number(token);
  if (!Number.isFinite(value)) return false;
  return decimalValue(token) === decimalValue(String(value));
}

/** A decimal's value as sign, significant digits and exponent: `1.50e2` and `150` both read "+15e1". Zero is "0", signed or not. */
function decimalValue(text: string): string {
  const match = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return text;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const digits = whole + fraction;
  const lead = digits.search(/[1-9]/);
  if (lead < 0) return '0';
  const significant = digits.slice(lead).replace(/0+$/, '');
  // The point sits after `whole`; the first significant digit's place decides the exponent.
  const scale = Number(exponent) + whole.length - lead - significant.length;
  return `${sign === '-' ? '-' : '+'}${significant}e${scale}`;
}
