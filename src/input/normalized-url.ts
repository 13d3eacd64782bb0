/**
 * Recognizes an http(s) URL that WHATWG parsing would hand back unchanged, so
 * the parent can take it as its own normalized form without `new URL()`.
 *
 * The parent reads every record twice (the cache pass, then the run), and a
 * URL object per read was a third of its allocation on a plain URL list: most
 * real lists are already in this form (`https://host/path?query`). Anything
 * the parser could rewrite fails the check and takes the full parse: a scheme
 * or host with capitals, credentials, a default or zero-led port, an empty
 * path, dot segments (also `%2e`), IDNA labels, numeric hosts other than a
 * dotted-quad IPv4 address written canonically, a fragment, and every
 * character the parser percent-encodes (spaces, quotes, `<>{}^|\` and the
 * rest, controls, non-ASCII). A test holds the check to `new URL(text).href`.
 */

// A domain label: letters, digits and inner hyphens, lowercase.
const LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
// The last label starts with a letter: one that looks like a number would make the host an IPv4 address.
const DOMAIN = `(?:${LABEL}\\.)*[a-z](?:[a-z0-9-]*[a-z0-9])?`;
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;
// Path and query: unreserved, sub-delimiters but the quote, ':', '@', '/', '?', and well-formed escapes.
const PATH = "(?:[A-Za-z0-9\\-._~!$&()*+,;=:@/?]|%[0-9A-Fa-f]{2})*";
// No capture groups: test() then allocates nothing, and the port is read off the string.
const NORMALIZED = new RegExp(`^https?://(?:${DOMAIN}|${IPV4})(?::[1-9][0-9]{0,4})?/${PATH}$`);

/** True when `text` is an http(s) URL exactly as `new URL(text).href` would write it, without credentials. */
export function isNormalizedHttpUrl(text: string): boolean {
  if (!NORMALIZED.test(text)) return false;
  // The parser resolves dot segments (also written %2e) and rewrites IDNA labels.
  if (text.includes('/.') || text.includes('%2e') || text.includes('%2E') || text.includes('xn--')) return false;
  const hostStart = text.indexOf('//') + 2;
  const pathStart = text.indexOf('/', hostStart);
  // A name longer than DNS allows is refused by the full parse (validate.ts).
  if (pathStart - hostStart > MAX_LABEL && !fitsDns(text.slice(hostStart, pathStart).replace(/:\d+$/, ''))) return false;
  const colon = text.lastIndexOf(':', pathStart);
  if (colon < hostStart) return true;
  let port = 0;
  for (let i = colon + 1; i < pathStart; i++) port = port * 10 + text.charCodeAt(i) - 48;
  // Beyond 65535 is an error; a scheme's default port is dropped.
  return port <= 65535 && port !== (text.charCodeAt(4) === 115 /* https */ ? 443 : 80);
}

/** RFC 1035's bounds on a name: 63 characters a label, 253 in all. */
const MAX_LABEL = 63;
const MAX_NAME = 253;

export function fitsDns(host: string): boolean {
  return host.length <= MAX_NAME && host.split('.').every((label) => label.length <= MAX_LABEL);
}

const SLASH = 0x2f;
const COLON = 0x3a;
const DOT = 0x2e;
const PERCENT = 0x25;
const HYPHEN = 0x2d;
const LOWER_X = 0x78;

/**
 * What a byte of a path or query is to the check: REFUSED, PLAIN (one of PATH's characters above, nothing to
 * look at) or LOOK (a character of PATH that may start what the parser rewrites: '%', '/', 'x'). One lookup a
 * byte for the plain ones, which are nearly all.
 */
const REFUSED = 0;
const PLAIN = 1;
const LOOK = 2;
const PATH_BYTE = new Uint8Array(256);
for (const char of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&()*+,;=:@/?") PATH_BYTE[char.charCodeAt(0)] = PLAIN;
for (const char of '%/x') PATH_BYTE[char.charCodeAt(0)] = LOOK;

const isDigit = (byte: number): boolean => byte >= 0x30 && byte <= 0x39;
const isLower = (byte: number): boolean => byte >= 0x61 && byte <= 0x7a;
const isHex = (byte: number): boolean => isDigit(byte) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66);

/**
 * isNormalizedHttpUrl for bytes, so the parent's pass over a file can count a
 * request straight off the chunk it read, without a string for its line
 * (bench/CHANGELOG.md, entry 39). For `bytes[start, end)`: the index of the
 * '/' that starts the path when isNormalizedHttpUrl takes that text, else -1.
 * It may refuse what the string form takes (the line is then decoded and
 * parsed as before), never the reverse: a test holds it to that.
 */
export function normalizedHttpUrlPathStart(bytes: Uint8Array, start: number, end: number): number {
  // What the string form refuses anywhere in the text (a dot segment '/.' or '%2e', an IDNA label 'xn--') is looked
  // for in the same pass that reads each part, not in a pass of its own over every byte: this runs twice for every
  // record, once in the file's pass while the parent's code is still cold (bench/CHANGELOG.md, entry 91).
  let i = start;
  if (end - i < 8 || bytes[i] !== 0x68 || bytes[i + 1] !== 0x74 || bytes[i + 2] !== 0x74 || bytes[i + 3] !== 0x70) return -1;
  i += 4;
  const https = bytes[i] === 0x73;
  if (https) i += 1;
  if (bytes[i] !== COLON || bytes[i + 1] !== SLASH || bytes[i + 2] !== SLASH) return -1;
  const hostEnd = hostEndOf(bytes, i + 3, end);
  if (hostEnd === -1) return -1;
  i = hostEnd;
  if (bytes[i] === COLON) {
    // A port: 1-5 digits, not zero-led, at most 65535, and not the scheme's default.
    let port = 0;
    for (i += 1; i < end && isDigit(bytes[i] as number); i++) port = port * 10 + (bytes[i] as number) - 0x30;
    const digits = i - hostEnd - 1;
    if (digits === 0 || digits > 5 || bytes[hostEnd + 1] === 0x30 || port > 65535 || port === (https ? 443 : 80)) return -1;
  }
  if (i >= end || bytes[i] !== SLASH) return -1;
  const pathStart = i;
  for (; i < end; i++) {
    const byte = bytes[i] as number;
    const kind = PATH_BYTE[byte];
    if (kind === PLAIN) continue;
    if (kind === REFUSED) return -1;
    if (byte === PERCENT) {
      if (i + 2 >= end || !isHex(bytes[i + 1] as number) || !isHex(bytes[i + 2] as number)) return -1;
      // '%2e' is a dot to the parser, as in a dot segment.
      if (bytes[i + 1] === 0x32 && ((bytes[i + 2] as number) | 0x20) === 0x65) return -1;
      i += 2;
    } else if (byte === SLASH) {
      if (i + 1 < end && bytes[i + 1] === DOT) return -1;
    } else if (startsIdnaLabel(bytes, i, end)) {
      // At an 'x' (the table's last LOOK byte): 'xn--' is harmless in a path, but the string form refuses it
      // anywhere, and this check must take nothing that one refuses.
      return -1;
    }
  }
  return pathStart;
}

/** 'xn--' at `i`: an IDNA label's prefix, which the parser rewrites (or refuses). */
function startsIdnaLabel(bytes: Uint8Array, i: number, end: number): boolean {
  return i + 3 < end && bytes[i + 1] === 0x6e && bytes[i + 2] === HYPHEN && bytes[i + 3] === HYPHEN;
}

/**
 * Where the host that starts at `i` ends (at the ':' or '/' after it), when it
 * is a domain as DOMAIN above writes it or a dotted-quad IPv4 address as IPV4
 * does; else -1.
 */
function hostEndOf(bytes: Uint8Array, i: number, end: number): number {
  const hostStart = i;
  let labels = 0;
  let octets = 0;
  let lastLabelStart = i;
  for (;;) {
    // A label: lowercase letters, digits and inner hyphens.
    const labelStart = i;
    let digitsOnly = true;
    for (; i < end; i++) {
      const byte = bytes[i] as number;
      if (isLower(byte) || byte === HYPHEN) {
        digitsOnly = false;
        if (byte === LOWER_X && startsIdnaLabel(bytes, i, end)) return -1;
      } else if (!isDigit(byte)) {
        break;
      }
    }
    const length = i - labelStart;
    if (length === 0 || length > MAX_LABEL || bytes[labelStart] === HYPHEN || bytes[i - 1] === HYPHEN) return -1;
    labels += 1;
    if (digitsOnly && isOctet(bytes, labelStart, length)) octets += 1;
    lastLabelStart = labelStart;
    if (i < end && bytes[i] === DOT) i += 1;
    else break;
  }
  if (i >= end || (bytes[i] !== COLON && bytes[i] !== SLASH) || i - hostStart > MAX_NAME) return -1;
  // A domain's last label starts with a letter; a host that ends in a number is an address only as four octets.
  return isLower(bytes[lastLabelStart] as number) || (labels === 4 && octets === 4) ? i : -1;
}

/** An IPv4 octet as IPV4 writes it: 0-255, without a leading zero. */
function isOctet(bytes: Uint8Array, start: number, length: number): boolean {
  if (length > 3 || (length > 1 && bytes[start] === 0x30)) return false;
  let value = 0;
  for (let i = start; i < start + length; i++) value = value * 10 + (bytes[i] as number) - 0x30;
  return value <= 255;
}
