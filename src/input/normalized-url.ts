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
  const colon = text.lastIndexOf(':', pathStart);
  if (colon < hostStart) return true;
  let port = 0;
  for (let i = colon + 1; i < pathStart; i++) port = port * 10 + text.charCodeAt(i) - 48;
  // Beyond 65535 is an error; a scheme's default port is dropped.
  return port <= 65535 && port !== (text.charCodeAt(4) === 115 /* https */ ? 443 : 80);
}
