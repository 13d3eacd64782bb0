/**
 * A proxy as curl reads one, from -x or from http_proxy / https_proxy: the
 * scheme may be left out (http:// then), and so may the port (curl's 1080 for
 * an http:// proxy, 443 for an https:// one). `-x 127.0.0.1:3128`, the way
 * curl's users write it, was refused, and the same text in HTTP_PROXY crashed
 * every child on new URL().
 */

/** curl's CURL_DEFAULT_PROXY_PORT and CURL_DEFAULT_HTTPS_PROXY_PORT; SOCKS's 1080. */
const DEFAULT_PORT: Readonly<Record<string, string>> = { 'http:': '1080', 'https:': '443', 'socks5:': '1080', 'socks5h:': '1080' };

/** The schemes a proxy URL may have: HTTP(S) proxies, and SOCKS5 (socks5h: names looked up by the proxy). */
const SCHEMES = new Set(['http', 'https', 'socks5', 'socks5h']);

export type ProxyUrl = { href: string } | { problem: string };

/** The proxy's URL as undici takes it, or why `text` names no proxy bulkfetch can use. */
export function parseProxyUrl(text: string): ProxyUrl {
  const written = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(written)?.[1]?.toLowerCase();
  if (scheme !== undefined && !SCHEMES.has(scheme)) {
    // curl's socks:// is SOCKS4, as are socks4:// and socks4a://.
    return { problem: scheme.startsWith('socks') ? `SOCKS4 proxies are not supported (${scheme}://): give a socks5:// or socks5h:// one` : `${scheme}:// proxies are not supported: give an http://, https://, socks5:// or socks5h:// one` };
  }
  let url: URL;
  try {
    url = new URL(scheme === undefined ? `http://${written}` : written);
  } catch {
    // A password with a `/`, `?` or `#` ends the authority where the user did not mean it to.
    return { problem: written.includes('@') ? 'it does not parse as a URL (a /, ?, # or @ in the user name or password is written %2F, %3F, %23 or %40)' : 'it does not parse as a URL' };
  }
  if (url.hostname === '') return { problem: 'the proxy URL has no host' };
  // undici decodes the credentials in every child: a % that starts no escape threw there, a crash a child.
  if (!decodes(url.username) || !decodes(url.password)) return { problem: 'its user name or password holds a % that starts no %XX escape of UTF-8 (a proxy\'s are sent as UTF-8 text; write % as %25)' };
  // URL drops a port that is the scheme's default; only a port the text leaves out gets curl's.
  const authority = written.slice(scheme === undefined ? 0 : scheme.length + 3).split(/[/?#]/, 1)[0] ?? '';
  const hostAndPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (!/:\d+$/.test(hostAndPort)) url.port = DEFAULT_PORT[url.protocol] ?? '';
  // No proxy listens on port 0: every record's connect was refused, its message naming neither port nor proxy.
  else if (url.port === '0' || Number(/:(\d+)$/.exec(hostAndPort)?.[1]) === 0) return { problem: 'its port is 0, which no proxy listens on' };
  // A path, query or fragment says nothing to a proxy: curl leaves them out, and undici threw on them in every child.
  url.pathname = '';
  url.search = '';
  url.hash = '';
  return { href: url.href };
}

function decodes(part: string): boolean {
  try {
    decodeURIComponent(part);
    return true;
  } catch {
    return false;
  }
}

/** The proxy's URL, or undefined for text that names none (refused before any child starts). */
export function proxyHref(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  const parsed = parseProxyUrl(text);
  return 'href' in parsed ? parsed.href : undefined;
}

/**
 * The variable names curl reads for a scheme's proxy, in its order: the scheme's own, then all_proxy.
 * http_proxy only in lower case, as curl: a CGI program's environment has HTTP_PROXY from the
 * request's `Proxy:` header, which would send its requests through the caller's proxy (httpoxy).
 */
const VARIABLES = { http: ['http_proxy', 'all_proxy', 'ALL_PROXY'], https: ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'] } as const;

/** Why HTTP_PROXY, set here, goes unread; undefined unless it is set and http_proxy is not. */
export function unreadUpperHttpProxy(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.HTTP_PROXY || env.http_proxy) return undefined;
  return 'HTTP_PROXY is not read, as curl does not read it (in a CGI program it comes from a request\'s Proxy: header); http_proxy is: set that one, or give --proxy';
}

/** The variable a run reads for a scheme's proxy, and its value; undefined when none is set. */
export function proxyVariable(env: NodeJS.ProcessEnv, scheme: 'http' | 'https'): [name: string, value: string] | undefined {
  const name = VARIABLES[scheme].find((candidate) => env[candidate]);
  return name === undefined ? undefined : [name, env[name] as string];
}

/** The proxy variables a run reads, each once. */
function proxyVariables(env: NodeJS.ProcessEnv): Array<[name: string, value: string]> {
  const read = [proxyVariable(env, 'http'), proxyVariable(env, 'https')].filter((variable) => variable !== undefined);
  return read.filter(([name], i) => read.findIndex(([other]) => other === name) === i);
}

/**
 * Why a proxy variable a run would read cannot be used, as one sentence (a
 * --proxy given overrides them); undefined when each is usable or unset.
 */
export function proxyEnvironmentProblem(env: NodeJS.ProcessEnv): string | undefined {
  for (const [name, value] of proxyVariables(env)) {
    const parsed = parseProxyUrl(value);
    if ('problem' in parsed) return `${name}=${JSON.stringify(value)} is not a proxy bulkfetch can use (host:port, or http://, https://, socks5:// or socks5h:// host:port): ${parsed.problem}; fix or unset it, or give --proxy`;
  }
  return undefined;
}
