/**
 * The charset a document declares inside itself, for a response whose
 * Content-Type names none: an XML declaration's `encoding` (RFC 7303 3.2:
 * after the BOM and the charset parameter, before UTF-8) and, for HTML, a
 * `<meta charset>` or `<meta http-equiv="Content-Type" content="...;
 * charset=...">` within the first 1024 bytes (the WHATWG prescan's window).
 * Old servers send `text/html` bare and declare windows-1252 or Shift_JIS in
 * the page: a browser shows its text, and bulkfetch showed its bytes as base64.
 */
const HTML_TYPE = /^text\/html\b|^application\/xhtml\+xml\b/i;
const XML_TYPE = /^(?:text|application)\/(?:[\w.+-]+\+)?xml\b|^image\/svg\+xml\b/i;
const XML_DECLARATION = /^<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][\w.:-]*)["']/;
const META_CHARSET = /<meta\s[^>]*?\bcharset\s*=\s*["']?([A-Za-z0-9][\w.:-]*)/i;
const PRESCAN_BYTES = 1024;

/** The lowercased charset label the body declares, or undefined. */
export function declaredCharset(bytes: Buffer, contentType: string): string | undefined {
  const html = HTML_TYPE.test(contentType);
  if (!html && !XML_TYPE.test(contentType)) return undefined;
  // Labels and markup are ASCII: any single-byte view of the head finds them.
  const head = bytes.toString('latin1', 0, Math.min(bytes.length, PRESCAN_BYTES));
  const label = XML_DECLARATION.exec(head)?.[1] ?? (html ? META_CHARSET.exec(head)?.[1] : undefined);
  // A page cannot declare UTF-16 in ASCII markup it could be read in: WHATWG takes it as UTF-8.
  return label === undefined ? undefined : /^utf-16/i.test(label) ? 'utf-8' : label.toLowerCase();
}
