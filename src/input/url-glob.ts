/**
 * curl's URL globbing, for URLs given on the command line: `{a,b,c}` is each of
 * its words, `[1-100]` each number (`[001-100]` zero-padded to the width of the
 * first, `[1-100:10]` every tenth), `[a-z]` each letter. `curl -Z
 * 'https://api/items/[1-1000]'` is how curl users fetch in bulk, so bulkfetch
 * expands the same text the same way instead of sending one request for the
 * literal brackets. The first glob varies slowest, as in curl. A backslash
 * makes the glob character after it literal (any character inside {}, as in
 * curl; elsewhere it is part of the URL), a bracketed IPv6 address
 * (`http://[::1]:8080/`) and an empty `[]` are not ranges, and braces around one
 * word, with no comma, are kept as they are.
 *
 * Expansion is lazy: `[1-10000000]` is a count and an odometer, never a list.
 */

/** One glob in a URL: how many values it has, and the i-th of them. */
interface Choice {
  readonly size: number;
  at(index: number): string;
}

export interface UrlGlob {
  /** How many URLs the pattern stands for (1 without globs). */
  readonly count: number;
  /** Whether it has any glob at all (`[1-1]` is one URL, and still a glob). */
  readonly globbed: boolean;
  /** The URLs, in curl's order. */
  urls(): Generator<string>;
}

/** Why a pattern cannot be expanded, with the position of the problem (1-based, as curl reports it). */
export interface GlobError {
  readonly error: string;
}

/** An IPv6 address in brackets, with a zone ID as written (`%25eth0`) or as typed (`%eth0`, which the URL then refuses, saying why). */
const IPV6_LITERAL = /^[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(?:%(?:25)?[\w.~-]+)?$/;

export function parseUrlGlob(url: string): UrlGlob | GlobError {
  const parts: Array<string | Choice> = [];
  let literal = '';
  let i = 0;
  const fail = (what: string, at: number): GlobError => ({ error: `${what} at position ${at + 1} of ${JSON.stringify(url)}` });
  while (i < url.length) {
    const c = url[i] as string;
    // As curl: a backslash escapes only a glob character out here (`a\\b` keeps its backslash); inside {} any.
    if (c === '\\' && i + 1 < url.length && '{}[]'.includes(url[i + 1] as string)) {
      literal += url[i + 1];
      i += 2;
    } else if (c === '{') {
      const set = readSet(url, i);
      if ('error' in set) return fail(set.error, set.at);
      // One word and no comma (`?q={x}`, JSON in a query) chooses nothing: kept as written, braces and all,
      // where curl would drop the braces.
      if (set.choice.size === 1) literal += url.slice(i, set.end);
      else {
        parts.push(literal, set.choice);
        literal = '';
      }
      i = set.end;
    } else if (c === '[') {
      const close = url.indexOf(']', i);
      if (close < 0) return fail('an unclosed [', i);
      const body = url.slice(i + 1, close);
      // `[]` ranges over nothing, and curl keeps it as written: PHP's `?ids[]=1&ids[]=2` goes as typed.
      if (body === '' || IPV6_LITERAL.test(body)) {
        literal += url.slice(i, close + 1);
      } else {
        const range = readRange(body);
        if (typeof range === 'string') return fail(range, i);
        parts.push(literal, range);
        literal = '';
      }
      i = close + 1;
    } else if (c === '}' || c === ']') {
      return fail(`a ${c} with no opening ${c === '}' ? '{' : '['}`, i);
    } else {
      literal += c;
      i++;
    }
  }
  parts.push(literal);
  const choices = parts.filter((part): part is Choice => typeof part !== 'string');
  const count = choices.reduce((product, choice) => product * choice.size, 1);
  if (!Number.isSafeInteger(count)) return { error: `${JSON.stringify(url)} expands to more URLs than can be counted` };
  return { count, globbed: choices.length > 0, urls: () => odometer(parts) };
}

/** `{a,b,c}` from `start` (the brace): its words, and where the text goes on. */
function readSet(url: string, start: number): { choice: Choice; end: number } | { error: string; at: number } {
  const words: string[] = [];
  let word = '';
  for (let i = start + 1; i < url.length; i++) {
    const c = url[i] as string;
    if (c === '\\' && i + 1 < url.length) word += url[++i];
    else if (c === '{' || c === '[') return { error: `a ${c} inside {}`, at: i };
    else if (c === ',') (words.push(word), (word = ''));
    else if (c === '}') {
      words.push(word);
      return { choice: { size: words.length, at: (index) => words[index] as string }, end: i + 1 };
    } else word += c;
  }
  return { error: 'an unclosed {', at: start };
}

/** The inside of `[...]`: a number or letter range with an optional step; a message when it is neither. */
function readRange(body: string): Choice | string {
  const match = /^(?:(\d+)-(\d+)|([a-z])-([a-z])|([A-Z])-([A-Z]))(?::(\d+))?$/.exec(body);
  if (!match) return `a bad range [${body}] (numbers like [1-100] or [001-100:5], or letters like [a-z])`;
  const step = match[7] === undefined ? 1 : Number(match[7]);
  if (step < 1) return `a step of 0 in [${body}]`;
  if (match[1] !== undefined && match[2] !== undefined) {
    const first = Number(match[1]);
    const last = Number(match[2]);
    // Past 2^53 a number is not held exactly: refused for its size, which "the first must not be larger" misnamed.
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last)) return `a range past the largest number bulkfetch counts exactly in [${body}] (at most ${Number.MAX_SAFE_INTEGER})`;
    if (first > last) return `a bad range [${body}] (the first number must not be larger)`;
    // curl pads to the first number's width when it is written with leading zeros.
    const width = match[1].length > 1 && match[1].startsWith('0') ? match[1].length : 0;
    return { size: Math.floor((last - first) / step) + 1, at: (index) => String(first + index * step).padStart(width, '0') };
  }
  const from = (match[3] ?? match[5] as string).charCodeAt(0);
  const to = (match[4] ?? match[6] as string).charCodeAt(0);
  if (from > to) return `a bad range [${body}] (the first letter must not come later)`;
  return { size: Math.floor((to - from) / step) + 1, at: (index) => String.fromCharCode(from + index * step) };
}

/** Every combination of the choices, the first varying slowest; literals in between. */
function* odometer(parts: ReadonlyArray<string | Choice>): Generator<string> {
  const choices = parts.filter((part): part is Choice => typeof part !== 'string');
  const digits = choices.map(() => 0);
  for (;;) {
    let url = '';
    let k = 0;
    for (const part of parts) url += typeof part === 'string' ? part : part.at(digits[k++] as number);
    yield url;
    let position = choices.length - 1;
    while (position >= 0) {
      const next = (digits[position] as number) + 1;
      if (next < (choices[position] as Choice).size) {
        digits[position] = next;
        break;
      }
      digits[position] = 0;
      position--;
    }
    if (position < 0) return;
  }
}
