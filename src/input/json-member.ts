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

function skipSpace(source: string, from: number): number {
  let i = from;
  for (let c = source.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = source.charCodeAt(++i));
  return i;
}

/** The index just past the string that opens at `start`. */
function stringEnd(source: string, start: number): number {
  let i = start + 1;
  for (let c = source.charCodeAt(i); c !== QUOTE; c = source.charCodeAt(++i)) if (c === BACKSLASH) i++;
  return i + 1;
}

/** The index just past the value that starts at `start`: a string, a container (strings inside skipped whole), or a literal. */
function valueEnd(source: string, start: number): number {
  const first = source[start];
  if (first === '"') return stringEnd(source, start);
  let i = start;
  if (first === '{' || first === '[') {
    let depth = 0;
    do {
      const c = source[i];
      if (c === '"') {
        i = stringEnd(source, i);
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') depth--;
      i++;
    } while (depth > 0);
    return i;
  }
  while (i < source.length && !',}] \t\n\r'.includes(source[i] as string)) i++;
  return i;
}
