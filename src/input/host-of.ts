/**
 * The host (with port, without credentials) of a normalized http(s) URL, read
 * off the string: per-host counting runs once per record, and `new URL()` per
 * record would cost more than the rest of the counting together.
 */
export function hostOf(url: string): string {
  const start = url.indexOf('//') + 2;
  let end = url.indexOf('/', start);
  if (end === -1) end = url.length;
  const at = url.lastIndexOf('@', end);
  return url.slice(at >= start ? at + 1 : start, end);
}

/**
 * The origin (scheme, host and port) of a normalized http(s) URL, as undici's
 * connector names the connection it opens for it: `http://127.0.0.1:8080`
 * (the default port is absent, as in the normalized URL).
 */
export function originOf(url: string): string {
  return `${url.slice(0, url.indexOf(':'))}://${hostOf(url)}`;
}
