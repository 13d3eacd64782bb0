import { SECRET_HEADERS } from './validate.js';

/**
 * Secrets in text that is shown back to people: a command line on stderr (the CLI's masked argv), and the raw
 * text of an input record that could not be read (its line's `url` and its message), which goes to stdout, -o
 * files and the logs they feed. Each is shown as ***.
 */

const MASK = '***';

/** Field names that hold a secret, as OAuth and login forms name them. */
const SECRET_FIELD = '(?:password|passwd|pass|pwd|secret|client[-_]?secret|token|access[-_]?token|refresh[-_]?token|id[-_]?token|api[-_]?key|auth|authorization|proxy[-_]?authorization|cookie|private[-_]?key)';
/** A form's secret field, bare or as Rails and PHP nest it: `password=`, `user[password]=`, `user%5Bpassword%5D=`. */
const FORM_SECRET = new RegExp(`(^|&)((?:[^&=[]*(?:\\[|%5B))?${SECRET_FIELD}(?:\\]|%5D)?)=([^&]*)`, 'gi');
/** A JSON member under a secret's name, up to its value: its name in double quotes, or single (a Python dict pasted). */
const JSON_SECRET_NAME = new RegExp(`(["'])${SECRET_FIELD}\\1\\s*:\\s*`, 'gi');
/**
 * A JSON scalar as written: a string (single-quoted too; unterminated, to the text's end: a line cut short, or
 * broken), or a number, true, false or null; or a value written without quotes, to the next `,`, `}` or `]`
 * (`"Authorization":Bearer K`: the whole of it, not its first word).
 */
const JSON_SCALAR = /^(?:"(?:[^"\\]|\\.)*(?:"|$)|'(?:[^'\\]|\\.)*(?:'|$)|[^\s,{}[\]](?:[^,{}[\]\r\n]*[^\s,{}[\]])?)/;
/** A spec's form body, the text of its "body" member: where a form's secret fields are looked for in a record. */
const BODY_MEMBER = /("body"\s*:\s*")((?:[^"\\]|\\.)*)/gi;
/**
 * A header name whose value is a credential, up to its value. Where it starts a header line is judged by
 * headerLineAt, not by a lookbehind here: one that scanned back over spaces made a 64 KB line of them take
 * 25 s (every position scanned the whole run again).
 */
const SECRET_HEADER_NAME = new RegExp(`(?:${[...SECRET_HEADERS].join('|')})[ \\t]*:[ \\t]*`, 'gi');
/**
 * curl's short flags that take no value, which may stand joined before one that does, as curl reads them:
 * `-sSLkb sid=K` is `-s -S -L -k -b sid=K`.
 */
const BOOLEAN_SHORT = '[aBfGgIiJjkLlMNnOpqRSsVvZ0-9]';
/** curl's `user` (and `proxy-user`) in a config line or a pasted command line: `user = "alice:secret"`, `-u alice:secret`. */
const CONFIG_USER = /(^|[ \t])((?:(?:-[uU]|--user|--proxy-user|user|proxy-user)(?:[ \t]*[=:][ \t]*|[ \t]+)|-[uU])["']?[^:"'\s]*:)[^"'\s]+/gi;
/** A pasted curl flag whose whole value is a secret (`-b 'sid=K'`, curl's attached `-bsid=K` and joined `-sb K`, `--oauth2-bearer K`), up to its value. */
const SECRET_FLAG = new RegExp(`(?:^|(?<=[ \\t]))(?:-${BOOLEAN_SHORT}*b(?:[ \\t]+|=)?|(?:--cookie|--oauth2-bearer|--pass|--proxy-pass)(?:[ \\t]+|=))`, 'g');
/** A pasted curl body flag (`-d 'password=K'`, `--json '{"token":"K"}'`, `-F 'password=K'`), up to its value, whose secret fields are masked. */
const BODY_FLAG = new RegExp(`(?:^|(?<=[ \\t]))(?:-${BOOLEAN_SHORT}*[dF]|--data(?:-raw|-binary|-urlencode|-ascii)?|--json|--form(?:-string)?)(?:[ \\t]+|=)?`, 'g');
/**
 * curl's -u or -U joined after other short flags (`-ku bob:pw`, `-sSu 'bob:pw'`; CONFIG_USER takes them alone), and
 * -E/--cert's `FILE:PASSPHRASE`, up to the value, whose part after the first colon is masked.
 */
const JOINED_USER_FLAG = new RegExp(`(?:^|(?<=[ \\t]))(?:-${BOOLEAN_SHORT}+[uU]|-${BOOLEAN_SHORT}*E|--cert)(?:[ \\t]+|=)?`, 'g');

/** A body's secret fields as ***: `client_secret=***&grant_type=...`, `{"password":"***"}`. */
export function maskBodySecrets(value: string): string {
  return maskJsonSecrets(maskFormSecrets(value));
}

/** A form's secret fields as ***: `client_secret=***&grant_type=...`. */
function maskFormSecrets(form: string): string {
  return form.replace(FORM_SECRET, (_, start: string, name: string) => `${start}${name}=${MASK}`);
}

/** `Name: value` with the value as *** (the spaces before it kept) when the name is a SECRET_HEADERS one and there is a value. */
export function maskHeaderValue(text: string): string {
  const colon = text.indexOf(':');
  if (colon <= 0 || !SECRET_HEADERS.has(text.slice(0, colon).trim().toLowerCase()) || text.slice(colon + 1).trim() === '') return text;
  // The spacing as typed: `Authorization:x` is `Authorization:***`, not a byte longer than it was.
  return `${text.slice(0, colon + 1)}${/^[ \t]*/.exec(text.slice(colon + 1))?.[0] ?? ''}${MASK}`;
}

/**
 * The raw text of a record that could not be read, its secrets as ***: a JSON spec's Authorization, Cookie,
 * password or token members (whether or not the line parses), its form body's secret fields, a header line
 * pasted into a URL list (or a pasted -H), a curl config `user` line (or a pasted -u), a pasted curl command's
 * secret flags (-b, -u, -d ..., joined or not, in bash's or Windows cmd's quoting). A URL's password is
 * maskPasswords' work; a URL's query is shown as a valid record's line shows it, but for words in it that read as
 * a pasted header or flag.
 */
export function maskRecordSecrets(written: string): string {
  // Windows cmd's quoting (Chrome's "Copy as cURL (cmd)": ^"...^", ^\^" inside) read as bash's: its carets dropped.
  const text = written.includes('^"') ? written.replace(/\^(.)/g, '$1') : written;
  const members = maskJsonSecrets(text).replace(BODY_MEMBER, (_, head: string, body: string) => `${head}${maskBodyMember(body)}`);
  // Wherever they stand: words in an invalid URL's query that read as a pasted header or flag are masked too.
  const headers = maskHeaderLines(members).replace(CONFIG_USER, `$1$2${MASK}`);
  const users = maskFlagValues(headers, JOINED_USER_FLAG, (value) => (value.includes(':') ? `${value.slice(0, value.indexOf(':') + 1)}${MASK}` : value));
  const masked = maskFlagValues(maskFlagValues(users, SECRET_FLAG, () => MASK), BODY_FLAG, maskBodySecrets);
  return masked === text ? written : masked;
}

/**
 * Each value of a pasted flag `flag` finds, as `mask` shows it: the text between its quotes (to the text's end when
 * the closing one is missing), or without quotes to the next space.
 */
function maskFlagValues(text: string, flag: RegExp, mask: (value: string) => string): string {
  let shown = '';
  let from = 0;
  flag.lastIndex = 0;
  for (let found = flag.exec(text); found !== null; found = flag.exec(text)) {
    // bash's $'...' is quoted as '...' is, for where the value ends.
    const at = found.index + found[0].length + (text.startsWith("$'", found.index + found[0].length) ? 1 : 0);
    const quote = text[at];
    const value = at + (quote === '"' || quote === "'" ? 1 : 0);
    const close = quote === '"' || quote === "'" ? closingQuote(text, value, quote) : text.slice(value).search(/\s/) + value;
    const end = close < value ? text.length : close;
    if (end === value) continue;
    shown += `${text.slice(from, value)}${quote === '"' ? maskShellQuoted(text.slice(value, end), mask) : mask(text.slice(value, end))}`;
    from = end;
    flag.lastIndex = end;
  }
  return shown + text.slice(from);
}

/** A shell's double-quoted text as `mask` shows what it means (`{\"token\":\"K\"}` is `{"token":"K"}`), escaped again. */
function maskShellQuoted(written: string, mask: (value: string) => string): string {
  // Only \" is undone and done again: the rest (\$, \\, a bare $) is shown as typed.
  const meant = written.replaceAll('\\"', '"');
  const masked = mask(meant);
  return masked === meant ? written : masked.replaceAll('"', '\\"');
}

/**
 * Where a shell's string in `quote` that starts at `from` ends; -1 when it does not. In double quotes a `\"` is no
 * end; single ones go on past the `'\''` that puts a quote inside them.
 */
function closingQuote(text: string, from: number, quote: string): number {
  if (quote === "'") {
    let close = text.indexOf("'", from);
    while (close !== -1 && text.startsWith("\\''", close + 1)) close = text.indexOf("'", close + 4);
    return close;
  }
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/**
 * A spec's "body" member as written (JSON string escapes and all), its secret fields as ***: a form's, or a JSON
 * body's, whose quotes the member escapes (`"{\"password\":\"K\"}"`) so that the member's own name is not seen.
 */
function maskBodyMember(written: string): string {
  let body: unknown;
  try {
    body = JSON.parse(`"${written}"`);
  } catch {
    return maskFormSecrets(written);
  }
  if (typeof body !== 'string') return maskFormSecrets(written);
  const masked = maskBodySecrets(body);
  return masked === body ? written : JSON.stringify(masked).slice(1, -1);
}

/**
 * Each header line whose value is a credential, its value as ***: to its closing quote, or to the text's end. A
 * header line starts at the text's start, after a space (`URL Authorization: Bearer K`, a header pasted beside the
 * URL on its line) or a pasted `-H` or `--header`, or in a string opened after `[`, `,`, `{` or `:` (a spec's
 * header list item, `["Authorization: Bearer ..."]`), not in one a URL's query holds (`?q="cookie:x"`).
 */
function maskHeaderLines(text: string): string {
  let shown = '';
  let from = 0;
  SECRET_HEADER_NAME.lastIndex = 0;
  for (let name = SECRET_HEADER_NAME.exec(text); name !== null; name = SECRET_HEADER_NAME.exec(text)) {
    const quote = headerLineAt(text, name.index);
    if (quote === undefined) continue;
    const value = name.index + name[0].length;
    const close = quote === '' ? -1 : closingQuote(text, value, quote);
    const end = close === -1 ? text.length : close;
    if (end === value) continue;
    shown += `${text.slice(from, value)}${MASK}`;
    from = end;
    SECRET_HEADER_NAME.lastIndex = Math.max(end, value + 1);
  }
  return shown + text.slice(from);
}

/**
 * Whether the header name at `at` starts a header line: the quote its value ends at ('' for none, to the text's
 * end; bash's `$'` is a `'`), or undefined when it does not.
 */
function headerLineAt(text: string, at: number): string | undefined {
  if (at === 0 || HEADER_LINE_BEFORE.has(text[at - 1] as string)) return '';
  const quote = text[at - 1] as string;
  // A pasted -H before it: the quote that opened before the flag, if any (`"-HAuthorization: ..."`).
  const pasted = (end: number): string | undefined => HEADER_FLAG_BEFORE.exec(text.slice(Math.max(0, end - 32), end))?.[1];
  // `-HAuthorization: ...`, curl's attached short flag.
  const attached = pasted(at);
  if (attached !== undefined) return attached;
  if (quote !== '"' && quote !== "'") return undefined;
  const opened = text[at - 2] === '$' && quote === "'" ? at - 2 : at - 1;
  if (opened === 0 || HEADER_LINE_BEFORE.has(text[opened - 1] as string) || pasted(opened) !== undefined) return quote;
  return undefined;
}

/** A pasted -H (joined after other short flags too: `-skH"..."`) at the end of the text, and the quote before it. */
const HEADER_FLAG_BEFORE = new RegExp(`(?:^|\\s)(["']?)(?:-${BOOLEAN_SHORT}*H|--header)(?:[ \\t]+|=)?$`);

/** What may stand right before a header line: a space, or what opens a JSON member or list item. */
const HEADER_LINE_BEFORE: ReadonlySet<string> = new Set([' ', '\t', '[', ',', '{', ':']);

/** maskRecordSecrets over each double-quoted (JSON.stringify'd) part of a message, closed or cut: where it quotes the record. */
export function maskQuotedRecordSecrets(message: string): string {
  // A preview cut at 80 characters (validate.ts `preview`) loses its closing quote with the rest and ends in `...`,
  // maybe inside an escape (a lone backslash, half a \u one): read without them, masked, and given them back.
  return message.replace(/"((?:[^"\\]|\\.)*)("|\\?$)/g, (quoted, inside: string, close: string) => {
    const closed = close === '"';
    const cut = !closed && inside.endsWith('...') ? '...' : '';
    const whole = closed ? inside : inside.slice(0, inside.length - cut.length).replace(/\\u[0-9a-fA-F]{0,3}$/, '').replace(/(?<!\\)((?:\\\\)*)\\$/, '$1');
    let text: unknown;
    try {
      text = JSON.parse(`"${whole}"`);
    } catch {
      return quoted;
    }
    if (typeof text !== 'string') return quoted;
    const masked = maskRecordSecrets(text);
    if (masked === text) return quoted;
    return closed ? JSON.stringify(masked) : `${JSON.stringify(masked).slice(0, -1)}${cut}`;
  });
}

/**
 * A JSON body's secret members as "***". A scalar is masked, and so is an array (`"api_key": ["K1", "K2"]`):
 * what it holds has no name of its own to be judged by. An object is no secret itself (`"auth": {"type":
 * "basic", ...}`): the members inside it are judged on their own names.
 */
function maskJsonSecrets(text: string): string {
  let shown = '';
  let from = 0;
  JSON_SECRET_NAME.lastIndex = 0;
  for (let name = JSON_SECRET_NAME.exec(text); name !== null; name = JSON_SECRET_NAME.exec(text)) {
    const value = name.index + name[0].length;
    const end = text[value] === '[' ? jsonArrayEnd(text, value) : value + (JSON_SCALAR.exec(text.slice(value))?.[0].length ?? 0);
    if (end === value) continue;
    const quote = name[1] as string;
    shown += `${text.slice(from, value)}${quote}${MASK}${quote}`;
    from = end;
    JSON_SECRET_NAME.lastIndex = end;
  }
  return shown + text.slice(from);
}

/** Where the JSON array that opens at `start` ends (past its `]`), strings skipped whole; the text's end when it does not. */
function jsonArrayEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (char === '[') depth++;
    else if (char === ']' && --depth === 0) return i + 1;
  }
  return text.length;
}
