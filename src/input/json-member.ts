/**
 * The source text of one member of a JSON object, for the values a spec must
 * pass on exactly: JSON.parse turns 12345678901234567890 into
 * 12345678901234567000, so a spec's `json` body and a numeric `id` are taken
 * from the line's own text instead of re-serialized.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The text of member `name`'s value in the JSON object `source` (the last one,
 * as JSON.parse keeps the last of a repeated name), or undefined when the object
 * has none. `source` must be valid JSON (JSON.parse accepted it): this only
 * finds boundaries, it does not check them.
 */
export function memberText(source: string, name: string): string | undefined {
  let i = skipSpace(source, 0);
  if (source[i] !== '{') return undefined;
  let found: string | undefined;
  i = skipSpace(source, i + 1);
  while (i < source.length && source[i] !== '}') {
    const keyEnd = stringEnd(source, i);
    const key = source.slice(i, keyEnd);
    // A name written with escapes ("\u006Ason") is decoded; a plain one is compared as it stands.
    const decoded = key.includes('\\') ? (JSON.parse(key) as string) : key.slice(1, -1);
    const start = skipSpace(source, skipSpace(source, keyEnd) + 1);
    const end = valueEnd(source, start);
    if (decoded === name) found = source.slice(start, end);
    i = skipSpace(source, end);
    if (source[i] === ',') i = skipSpace(source, i + 1);
  }
  return found;
}

/** The source text of each element of the JSON array `source` (valid JSON, as for memberText). */
export function elementTexts(source: string): string[] {
  const texts: string[] = [];
  let i = skipSpace(source, 1);
  while (i < source.length && source.charCodeAt(i) !== CLOSE_BRACKET) {
    const end = valueEnd(source, i);
    texts.push(source.slice(i, end));
    i = skipSpace(source, end);
    if (source.charCodeAt(i) === COMMA) i = skipSpace(source, i + 1);
  }
  return texts;
}

/**
 * The first member name the JSON object `source` gives twice, at its top level
 * or in its `headers` object: JSON.parse keeps the last value and drops the
 * other without a word (`"url":"a","url":"b"` asks for b). Undefined when none
 * repeats; the path names where (`headers.X-A`). `source` must be valid JSON.
 */
export function repeatedMember(source: string): string | undefined {
  let repeated: string | undefined;
  forEachMember(source, 0, (name, start) => {
    if (repeated !== undefined || name !== 'headers' || source.charCodeAt(start) !== OPEN_BRACE) return;
    forEachMember(source, start, () => {}, (header) => (repeated ??= `headers.${header}`));
  }, (name) => (repeated ??= name));
  return repeated;
}

/** Calls `each` with every member of the object at `from` (its decoded name and where its value starts), and `twice` with a name seen before. */
function forEachMember(source: string, from: number, each: (name: string, start: number) => void, twice: (name: string) => void): void {
  let i = skipSpace(source, from);
  if (source[i] !== '{') return;
  // A spec has a handful of members: a list is searched faster than a Set is built.
  const seen: string[] = [];
  i = skipSpace(source, i + 1);
  while (i < source.length && source.charCodeAt(i) !== CLOSE_BRACE) {
    const keyEnd = stringEnd(source, i);
    const key = source.slice(i, keyEnd);
    const name = key.includes('\\') ? (JSON.parse(key) as string) : key.slice(1, -1);
    const start = skipSpace(source, skipSpace(source, keyEnd) + 1);
    const end = valueEnd(source, start);
    if (seen.includes(name)) twice(name);
    seen.push(name);
    each(name, start);
    i = skipSpace(source, end);
    if (source.charCodeAt(i) === COMMA) i = skipSpace(source, i + 1);
  }
}

export function skipSpace(source: string, from: number): number {
  let i = from;
  for (let c = source.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = source.charCodeAt(++i));
  return i;
}

/** The index just past the string that opens at `start` (a native search for each quote, then its escapes counted). */
export function stringEnd(source: string, start: number): number {
  let quote = source.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    while (source.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    quote = source.indexOf('"', quote + 1);
  }
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/** The index just past the value that starts at `start`: a string, a container (strings inside skipped whole), or a literal. */
function valueEnd(source: string, start: number): number {
  const first = source.charCodeAt(start);
  if (first === QUOTE) return stringEnd(source, start);
  let i = start;
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    do {
      const c = source.charCodeAt(i);
      if (c === QUOTE) {
        i = stringEnd(source, i);
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
      i++;
    } while (depth > 0);
    return i;
  }
  for (let c = source.charCodeAt(i); i < source.length && c !== COMMA && c !== CLOSE_BRACE && c !== CLOSE_BRACKET && c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d; c = source.charCodeAt(++i));
  return i;
}
