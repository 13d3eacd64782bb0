import { TextDecoder } from 'node:util';

/**
 * The charset a document declares inside itself, for a response whose
 * Content-Type names none: an XML declaration's `encoding` (RFC 7303 3.2:
 * after the BOM and the charset parameter, before UTF-8) and, for HTML, what
 * the WHATWG prescan finds in the first 1024 bytes: a `<meta charset>`, or a
 * `<meta http-equiv="Content-Type" content="...; charset=...">`, outside
 * comments and other tags' attributes.
 * Old servers send `text/html` bare and declare windows-1252 or Shift_JIS in
 * the page: a browser shows its text, and bulkfetch showed its bytes as base64.
 */
const HTML_TYPE = /^text\/html\b|^application\/xhtml\+xml\b/i;
const XML_TYPE = /^(?:text|application)\/(?:[\w.+-]+\+)?xml\b|^image\/svg\+xml\b/i;
const XML_DECLARATION = /^<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][\w.:-]*)["']/;
const PRESCAN_BYTES = 1024;

/** The lowercased charset label the body declares, or undefined. */
export function declaredCharset(bytes: Buffer, contentType: string): string | undefined {
  const html = HTML_TYPE.test(contentType);
  if (!html && !XML_TYPE.test(contentType)) return undefined;
  // Labels and markup are ASCII: a one-byte view of the head (a char a byte) finds them.
  const head = bytes.toString('latin1', 0, Math.min(bytes.length, PRESCAN_BYTES));
  const xml = XML_DECLARATION.exec(head)?.[1];
  if (xml !== undefined) return /^utf-16/i.test(xml) ? 'utf-8' : xml.toLowerCase();
  return html ? prescan(head) : undefined;
}

/**
 * The HTML standard's "prescan a byte stream to determine its encoding"
 * (13.2.3.2), over a one-byte string: the encoding's name, or undefined
 * when none is declared or the window ends inside the markup.
 */
function prescan(s: string): string | undefined {
  let at = 0;
  while (at < s.length) {
    if (s.startsWith('<!--', at)) {
      // Ends at a '>' after two '-' (those of '<!--' count: '<!-->' is a whole comment).
      const end = s.indexOf('-->', at + 2);
      if (end === -1) return undefined;
      at = end + 3;
      continue;
    }
    if (isMetaStart(s, at)) {
      const meta = metaEncoding(s, at + 5);
      if (meta === END) return undefined;
      if (meta.encoding !== undefined) return meta.encoding;
      at = meta.next + 1;
      continue;
    }
    if (s[at] === '<' && (isLetter(s.charCodeAt(at + 1)) || (s[at + 1] === '/' && isLetter(s.charCodeAt(at + 2))))) {
      // Another tag: its attributes are read (and passed over) as the meta's are, so markup inside their values is not taken.
      let next = at + 1;
      while (next < s.length && !isSpace(s.charCodeAt(next)) && s[next] !== '>') next += 1;
      for (;;) {
        const attribute = getAttribute(s, next);
        if (attribute === END) return undefined;
        next = attribute.next;
        if (attribute.name === undefined) break;
      }
      at = next + 1;
      continue;
    }
    if (s[at] === '<' && (s[at + 1] === '!' || s[at + 1] === '/' || s[at + 1] === '?')) {
      const end = s.indexOf('>', at + 2);
      if (end === -1) return undefined;
      at = end + 1;
      continue;
    }
    at += 1;
  }
  return undefined;
}

const END = Symbol('end of the window');

/** `<meta` then a space or '/', any case. */
function isMetaStart(s: string, at: number): boolean {
  return s.slice(at, at + 5).toLowerCase() === '<meta' && (isSpace(s.charCodeAt(at + 5)) || s[at + 5] === '/');
}

/** A meta element's attributes from `at`: the encoding it declares, or where they end (its '>'). */
function metaEncoding(s: string, at: number): { encoding?: string; next: number } | typeof END {
  const seen = new Set<string>();
  let gotPragma = false;
  let needPragma: boolean | undefined;
  let charset: string | null | undefined; // undefined: none yet; null: a label no encoding has
  let next = at;
  for (;;) {
    const attribute = getAttribute(s, next);
    if (attribute === END) return END;
    next = attribute.next;
    const { name, value } = attribute;
    if (name === undefined) break;
    if (seen.has(name)) continue;
    seen.add(name);
    if (name === 'http-equiv') {
      if (value === 'content-type') gotPragma = true;
    } else if (name === 'content') {
      const fromContent = contentCharset(value);
      if (fromContent !== undefined && charset === undefined) {
        charset = fromContent;
        needPragma = true;
      }
    } else if (name === 'charset') {
      charset = encodingOf(value);
      needPragma = false;
    }
  }
  if (needPragma === undefined || (needPragma && !gotPragma) || charset === null || charset === undefined) return { next };
  // A page cannot declare UTF-16 in ASCII markup it could be read in; x-user-defined is read as windows-1252 here.
  if (charset === 'utf-16le' || charset === 'utf-16be') return { encoding: 'utf-8', next };
  if (charset === 'x-user-defined') return { encoding: 'windows-1252', next };
  return { encoding: charset, next };
}

/** "Get an attribute": its lowercased name and value, or no name at the tag's '>'; `next` is where reading goes on. */
function getAttribute(s: string, from: number): { name?: string; value: string; next: number } | typeof END {
  const spaceAt = (i: number): boolean => isSpace(s.charCodeAt(i));
  let at = from;
  while (at < s.length && (spaceAt(at) || s[at] === '/')) at += 1;
  if (at >= s.length) return END;
  if (s[at] === '>') return { value: '', next: at };
  let name = '';
  // The name: up to '=' (a first '=' is part of it), a space, '/' or '>'.
  for (;;) {
    if (at >= s.length) return END;
    const c = s[at] as string;
    if (c === '=' && name !== '') break;
    if (spaceAt(at)) {
      while (at < s.length && spaceAt(at)) at += 1;
      if (at >= s.length) return END;
      if (s[at] !== '=') return { name, value: '', next: at };
      break;
    }
    if (c === '/' || c === '>') return { name, value: '', next: at };
    name += c.toLowerCase();
    at += 1;
  }
  at += 1; // past '='
  while (at < s.length && spaceAt(at)) at += 1;
  if (at >= s.length) return END;
  const first = s[at];
  if (first === '"' || first === "'") {
    const end = s.indexOf(first, at + 1);
    return end === -1 ? END : { name, value: s.slice(at + 1, end).toLowerCase(), next: end + 1 };
  }
  if (first === '>') return { name, value: '', next: at };
  let end = at + 1;
  while (end < s.length && !spaceAt(end) && s[end] !== '>') end += 1;
  return end >= s.length ? END : { name, value: s.slice(at, end).toLowerCase(), next: end };
}

/** "Extracting a character encoding from a meta element": a `content` value's charset=, as an encoding (null: unknown label), or undefined. */
function contentCharset(content: string): string | null | undefined {
  let at = 0;
  for (;;) {
    const found = content.indexOf('charset', at);
    if (found === -1) return undefined;
    at = found + 7;
    while (at < content.length && isSpace(content.charCodeAt(at))) at += 1;
    if (content[at] !== '=') continue;
    at += 1;
    while (at < content.length && isSpace(content.charCodeAt(at))) at += 1;
    const first = content[at];
    if (first === undefined) return undefined;
    if (first === '"' || first === "'") {
      const end = content.indexOf(first, at + 1);
      return end === -1 ? undefined : encodingOf(content.slice(at + 1, end)) ?? undefined;
    }
    let end = at;
    while (end < content.length && !isSpace(content.charCodeAt(end)) && content[end] !== ';') end += 1;
    return encodingOf(content.slice(at, end)) ?? undefined;
  }
}

/** "Get an encoding": the encoding a label names (WHATWG Encoding), or null. TextDecoder knows the labels, bar x-user-defined. */
function encodingOf(label: string): string | null {
  const trimmed = label.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '').toLowerCase();
  if (trimmed === 'x-user-defined') return trimmed;
  try {
    return new TextDecoder(trimmed).encoding;
  } catch {
    return null;
  }
}

function isSpace(code: number): boolean {
  return code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d || code === 0x20;
}

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}
