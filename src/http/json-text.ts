/**
 * JSON bodies are carried as the server's own text, never parsed into JS values:
 * JSON.parse turns 12345678901234567890 into 12345678901234567000 and 1e400 into
 * Infinity (then null), and its recursion, with JSON.stringify's, overflows the
 * stack on a body nested a few thousand deep. This scanner is a loop with an
 * explicit stack: it checks the text is one JSON document (RFC 8259), drops the
 * whitespace outside strings, and measures how deep it nests.
 */

/**
 * Bodies jq 1.6 would read deeper than this inside a line (MinifiedJson.jqDepth) go into it as a JSON string of
 * their text (bodyEncoding "json-text"): jq 1.6 aborts the whole stream on a line deeper than 256 levels of its
 * parser, and one hostile body must not stop a user's pipeline. The line's own object and the body's key take 2.
 */
export const JQ_DEPTH_LIMIT = 254;

export interface MinifiedJson {
  /** The document without insignificant whitespace; everything else byte for byte. */
  text: string;
  /**
   * How deep it nests as jq 1.6's parser counts it (a scalar is 0): an array one level, an object two (itself
   * and the key whose value is read). A body of 128 nested objects, under a 128-level limit, stopped `| jq` there, every later line lost.
   */
  jqDepth: number;
  /**
   * A string holds a `\u` escape of half a surrogate pair without its other half
   * (`"\ud800"`): valid RFC 8259 grammar, but no Unicode text, and jq 1.6 aborts
   * the whole stream on it (a lone low half it replaces with U+FFFD). Such a
   * body goes out as json-text, as a deep one does.
   */
  unpairedSurrogate: boolean;
}

/** Set by stringEnd, read and reset by minifyJson: kept out of stringEnd's return, which is an index. */
let sawUnpairedSurrogate = false;

// What the scanner expects next.
const VALUE = 0;
const VALUE_OR_ARRAY_END = 1;
const KEY = 2;
const KEY_OR_OBJECT_END = 3;
const COLON = 4;
const AFTER_VALUE = 5;

const OBJECT = 0x7b; // {
const OBJECT_END = 0x7d;
const ARRAY = 0x5b; // [
const ARRAY_END = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The minified document, or undefined when `source` is not exactly one JSON value. */
export function minifyJson(source: string): MinifiedJson | undefined {
  sawUnpairedSurrogate = false;
  const end = source.length;
  // Open containers, innermost last: the byte that closes each.
  const closers: number[] = [];
  // jq's levels of the open containers, and the most they reached.
  let levels = 0;
  let jqDepth = 0;
  let text = '';
  let copyFrom = 0;
  let state = VALUE;
  let i = 0;
  for (;;) {
    let c = source.charCodeAt(i);
    if (isSpace(c)) {
      text += source.slice(copyFrom, i);
      do c = source.charCodeAt(++i);
      while (isSpace(c));
      copyFrom = i;
    }
    if (i >= end) break;
    // An empty container closing: `[]`, `{}`.
    if ((state === VALUE_OR_ARRAY_END && c === ARRAY_END) || (state === KEY_OR_OBJECT_END && c === OBJECT_END)) {
      levels -= closers.pop() === OBJECT_END ? 2 : 1;
      i += 1;
      state = AFTER_VALUE;
      continue;
    }
    switch (state) {
      case VALUE_OR_ARRAY_END:
      case VALUE:
        if (c === OBJECT || c === ARRAY) {
          closers.push(c === OBJECT ? OBJECT_END : ARRAY_END);
          levels += c === OBJECT ? 2 : 1;
          if (levels > jqDepth) jqDepth = levels;
          i += 1;
          state = c === OBJECT ? KEY_OR_OBJECT_END : VALUE_OR_ARRAY_END;
          continue;
        }
        i = c === QUOTE ? stringEnd(source, i) : c === 0x2d || isDigit(c) ? numberEnd(source, i) : literalEnd(source, i);
        if (i < 0) return undefined;
        state = AFTER_VALUE;
        continue;
      case KEY_OR_OBJECT_END:
      case KEY:
        if (c !== QUOTE) return undefined;
        i = stringEnd(source, i);
        if (i < 0) return undefined;
        state = COLON;
        continue;
      case COLON:
        if (c !== 0x3a) return undefined;
        i += 1;
        state = VALUE;
        continue;
      default: {
        // AFTER_VALUE: a comma or the end of the innermost container.
        const closer = closers[closers.length - 1];
        if (closer === undefined) return undefined;
        if (c === 0x2c) state = closer === OBJECT_END ? KEY : VALUE;
        else if (c === closer) levels -= closers.pop() === OBJECT_END ? 2 : 1;
        else return undefined;
        i += 1;
      }
    }
  }
  if (state !== AFTER_VALUE || closers.length > 0) return undefined;
  return { text: copyFrom === 0 ? source : text + source.slice(copyFrom), jqDepth, unpairedSurrogate: sawUnpairedSurrogate };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Index after the string starting at `i` (a quote), or -1. */
function stringEnd(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      const e = s.charCodeAt(j + 1);
      if (e === 0x75) {
        // \uXXXX
        const unit = hexUnit(s, j + 2);
        if (unit < 0) return -1;
        if (unit >= 0xd800 && unit <= 0xdfff) {
          // A high half must be followed at once by an escaped low half; the pair is then taken as one.
          const low = unit <= 0xdbff && s.charCodeAt(j + 6) === BACKSLASH && s.charCodeAt(j + 7) === 0x75 ? hexUnit(s, j + 8) : -1;
          if (low >= 0xdc00 && low <= 0xdfff) j += 6;
          else sawUnpairedSurrogate = true;
        }
        j += 5;
      } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        j += 1;
      } else {
        return -1;
      }
    }
  }
  return -1;
}

/** The code unit that four hex digits at `i` write, or -1. */
function hexUnit(s: string, i: number): number {
  let unit = 0;
  for (let k = i; k < i + 4; k++) {
    const c = s.charCodeAt(k);
    if (!isHex(c)) return -1;
    unit = unit * 16 + (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
  }
  return unit;
}

/** Index after the number starting at `i`, or -1: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
function numberEnd(s: string, i: number): number {
  let j = i;
  if (s.charCodeAt(j) === 0x2d) j += 1;
  if (s.charCodeAt(j) === 0x30) j += 1;
  else if (isDigit(s.charCodeAt(j))) while (isDigit(s.charCodeAt(j))) j += 1;
  else return -1;
  if (s.charCodeAt(j) === 0x2e) {
    j += 1;
    if (!isDigit(s.charCodeAt(j))) return -1;
    while (isDigit(s.charCodeAt(j))) j += 1;
  }
  const e = s.charCodeAt(j);
  if (e === 0x65 || e === 0x45) {
    j += 1;
    const sign = s.charCodeAt(j);
    if (sign === 0x2b || sign === 0x2d) j += 1;
    if (!isDigit(s.charCodeAt(j))) return -1;
    while (isDigit(s.charCodeAt(j))) j += 1;
  }
  return j;
}

const LITERALS = ['true', 'false', 'null'] as const;

function literalEnd(s: string, i: number): number {
  for (const word of LITERALS) if (s.startsWith(word, i)) return i + word.length;
  return -1;
}
