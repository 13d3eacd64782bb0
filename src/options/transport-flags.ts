/** Flags for how a request reaches its server: --resolve, --connect-to, --proxy, TLS files, --max-redirects. */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { resolve as resolvePath } from 'node:path';
import { UsageError, describeValue, fileErrorWords } from '../errors.js';
import { parseProxyUrl } from '../http/proxy-url.js';
import { textBeforeRun } from '../input/read-once.js';
import { isRegularFile } from '../input/input-size.js';
import { nonNegativeInteger } from './value-parsers.js';

/** --resolve HOST:PORT:ADDR, repeatable, as in curl (HOST `*`: every host): collected into 'host:port' -> address. */
export function parseResolveFlag(value: string, previous: unknown): Record<string, string> {
  const entries = { ...((previous as Record<string, string> | undefined) ?? {}) };
  // curl's `-HOST:PORT` takes an entry out of the DNS cache a curl process keeps across its transfers.
  if (/^-[^:\s]+:\d{1,5}$/.test(value)) throw new UsageError(`--resolve ${value} is curl's way to remove an entry from its DNS cache: bulkfetch keeps no entry but those --resolve gives this run, so leave it out`);
  // curl's `+HOST:PORT:ADDR` is the entry with a time limit on it in curl's DNS cache: here, the same entry.
  const match = /^\+?([^:\s]+):(\d{1,5}):(?:\[([0-9A-Fa-f:.]+)\]|([^\s]+))$/.exec(value);
  // A name with letters past ASCII as the URL's host becomes: its IDNA form (bücher.example is xn--bcher-kva.example).
  const given = match?.[1] ?? '';
  const host = /[^\x00-\x7f]/.test(given) ? domainToASCII(given) : given;
  const address = match?.[3] ?? match?.[4];
  const port = Number(match?.[2]);
  if (!match || !RESOLVE_HOST.test(host) || address === undefined || isIP(address) === 0 || port < 1 || port > 65535) {
    throw new UsageError(`Expected --resolve as HOST:PORT:ADDRESS (HOST a name or *, ADDRESS an IP address), got ${describeValue(value)}`);
  }
  entries[`${host.toLowerCase()}:${port}`] = address;
  return entries;
}

/**
 * --connect-to HOST1:PORT1:HOST2:PORT2, repeatable, as in curl: requests to
 * HOST1:PORT1 connect to HOST2:PORT2 instead (an empty HOST1 or PORT1 matches
 * any, an empty HOST2 or PORT2 keeps the request's). Collected into
 * 'host1:port1' -> 'host2:port2', '*' for an empty HOST1 or PORT1; an IPv6
 * address goes in brackets on both sides.
 */
export function parseConnectToFlag(value: string, previous: unknown): Record<string, string> {
  const entries = { ...((previous as Record<string, string> | undefined) ?? {}) };
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]\s]*):(\d{0,5}):(\[[0-9A-Fa-f:.]+\]|[^:[\]\s]*):(\d{0,5})$/.exec(value);
  const ascii = (host: string): string => (/[^\x00-\x7f]/.test(host) ? domainToASCII(host) : host).toLowerCase();
  const [host1, port1, host2, port2] = match ? [ascii(match[1] as string), match[2] as string, ascii(match[3] as string), match[4] as string] : [];
  const badPort = (port: string | undefined) => port !== '' && (Number(port) < 1 || Number(port) > 65535);
  const badHost = (host: string | undefined) => host === undefined || (host !== '' && !host.startsWith('[') && !RESOLVE_HOST.test(host)) || host === '*';
  if (!match || badHost(host1) || badHost(host2) || badPort(port1) || badPort(port2)) {
    throw new UsageError(`Expected --connect-to as HOST1:PORT1:HOST2:PORT2 (any part may be empty: HOST1 or PORT1 for any, HOST2 or PORT2 for the request's own), got ${describeValue(value)}`);
  }
  // Keyed as the connector sees a request's host: an IPv6 address without its brackets.
  entries[`${host1?.replace(/^\[(.*)\]$/, '$1') || '*'}:${port1 || '*'}`] = `${host2}:${port2}`;
  return entries;
}

/** A --connect-to entry as the flag text it stands for (a library caller's object form). */
export function connectToFlagText(from: string, to: unknown): string {
  const colon = from.lastIndexOf(':');
  const host = from.slice(0, colon);
  const port = from.slice(colon + 1);
  return `${host === '*' ? '' : host.includes(':') ? `[${host}]` : host}:${port === '*' ? '' : port}:${String(to)}`;
}

/** --resolve's HOST: a name (a trailing dot allowed) or *. `_`, and a `-` at its end, as URLs and curl take them (my_host: Docker's and DNS SRV names). */
const RESOLVE_HOST = /^(\*|[A-Za-z0-9_][A-Za-z0-9_.-]*)$/;

/**
 * A PEM file flag (--cacert, --cert, --key): read now, so a missing or unreadable
 * file is a usage error before any request is sent. The run reads it again, once,
 * and hands the text to the children (run-job.ts).
 */
export function pemFile(flag: string) {
  return (value: string): string => {
    // resolvePath('') is the working directory: say what is wrong (an unset shell variable, likely).
    if (value === '') throw new UsageError(`Expected ${flag} to be a PEM file, got ""`);
    const path = resolvePath(value);
    let text: string | undefined;
    try {
      text = textBeforeRun(path);
    } catch (error) {
      // curl's --cert FILE:PASSWORD: the file is there without its ':...'.
      const colon = value.lastIndexOf(':');
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      if (flag === '--cert' && missing && colon > 0 && existsSync(resolvePath(value.slice(0, colon)))) {
        const file = value.slice(0, colon);
        throw new UsageError(`--cert takes a file, not curl's FILE:PASSWORD (${JSON.stringify(file)} is there): bulkfetch takes no passphrase, so ${unencryptedAdvice(file)} and give that`, { cause: error });
      }
      // What follows the colon may be that password: never echoed (the file is not there either way).
      const shown = flag === '--cert' && missing && colon > 0 ? `${value.slice(0, colon)}:***` : value;
      throw new UsageError(`Cannot read ${flag} file ${JSON.stringify(shown)}: ${fileErrorWords(error)}`, { cause: error });
    }
    // A pipe is read once, by the run: its text is checked only as it is used.
    if (text === undefined) return path;
    if (!text.includes('-----BEGIN ')) throw new UsageError(`Expected ${flag} to be a PEM file, got ${describeValue(value)} (no -----BEGIN line${PKCS12_NAME.test(value) ? `; PKCS#12 is not taken: ${PKCS12_TO_PEM}` : ''})`);
    refuseUnreadableCertificates(flag, value, text);
    // The key given for the CA file (they sit side by side): no CA was trusted, and every record's hint
    // said to do what was done. curl exits 77.
    if (flag === '--cacert' && !/-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----/.test(text)) {
      throw new UsageError(`Expected --cacert to hold CA certificates (-----BEGIN CERTIFICATE-----), got ${describeValue(value)}, which holds none${/PRIVATE KEY-----/.test(text) ? ' (a private key: --key takes that)' : ''}`);
    }
    // A key under a passphrase would fail every https record with "bad decrypt"; curl fails at once too.
    if (flag !== '--cacert' && /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
      throw new UsageError(`${flag} ${JSON.stringify(value)} holds a key under a passphrase, which bulkfetch cannot ask for: write it out unencrypted (openssl pkey -in KEY -out plain.pem) and give that`);
    }
    return path;
  };
}

/** A name curl would take with --cert-type P12. */
const PKCS12_NAME = /\.(p12|pfx)$/i;
const PKCS12_TO_PEM = 'openssl pkcs12 -in FILE.p12 -nodes -out FILE.pem writes its certificate and key as PEM';

/** How to get a key without its passphrase out of FILE: a PKCS#12 file is converted, a PEM key written out. */
function unencryptedAdvice(file: string): string {
  return PKCS12_NAME.test(file) ? `convert it (${PKCS12_TO_PEM})` : 'write the key out unencrypted (openssl pkey -in KEY -out plain.pem)';
}

/** The certificate blocks of a PEM text (not OpenSSL's TRUSTED CERTIFICATE, which X509Certificate does not read). */
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Every certificate block of a --cacert or --cert file parses. Node's TLS reads a CA file up to its
 * first bad block and drops it and every block after without a word: each record then failed
 * "unable to get local issuer certificate", with a hint to give the --cacert that was given. curl
 * refuses such a file at once (77).
 */
function refuseUnreadableCertificates(flag: string, value: string, text: string): void {
  if (flag === '--key') return;
  const { X509Certificate } = process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
  let index = 0;
  for (const [block] of text.matchAll(CERTIFICATE_BLOCK)) {
    index += 1;
    try {
      new X509Certificate(block);
    } catch (error) {
      const line = text.slice(0, text.indexOf(block)).split('\n').length;
      throw new UsageError(`${flag} ${JSON.stringify(value)} holds a certificate that does not parse (certificate ${index}, at line ${line}: ${(error as Error).message})`, { cause: error });
    }
  }
  // A last block cut short (a copy or download that stopped) is no block to the pattern: Node's TLS then dropped it
  // without a word, and every record failed "unable to get local issuer certificate", as above. OpenSSL's
  // TRUSTED and X509 CERTIFICATE blocks too, which TLS reads and the pattern leaves to it.
  let at = -1;
  let label = '';
  for (const kind of CERTIFICATE_LABELS) {
    const begin = text.lastIndexOf(`-----BEGIN ${kind}-----`);
    if (begin > at) [at, label] = [begin, kind];
  }
  if (at !== -1 && !text.includes(`-----END ${label}-----`, at)) {
    const line = text.slice(0, at).split('\n').length;
    throw new UsageError(`${flag} ${JSON.stringify(value)} holds a certificate cut short (at line ${line}: no -----END ${label}----- line after its -----BEGIN line)`);
  }
}

/** The certificate blocks OpenSSL writes and TLS reads. */
const CERTIFICATE_LABELS = ['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE'] as const;

/**
 * --cert with its key (--key, or the --cert file itself) as TLS will take them, checked before the run: a
 * certificate without its key, or with another's, failed every https record with OpenSSL's words
 * ("DECODER routines::unsupported", "key values mismatch"), where curl stops at once ("unable to set
 * private key file"). Files that can be read only once (pipes) are checked as the run uses them.
 */
export function refuseUnusableClientCertificate(cert: string | undefined, key: string | undefined): void {
  if (cert === undefined) return;
  const certText = textBeforeRun(cert);
  const keyText = key === undefined ? certText : textBeforeRun(key);
  if (certText === undefined || keyText === undefined) return;
  const keyFlag = key === undefined ? `--cert ${JSON.stringify(cert)}` : `--key ${JSON.stringify(key)}`;
  if (!/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(keyText)) {
    throw new UsageError(`${keyFlag} holds no private key${key === undefined ? ': give its key with --key FILE (or a --cert file that holds both)' : ''}`);
  }
  try {
    // Loaded only here: node:tls costs the parent's start-up 12 ms, and only --cert needs it.
    (process.getBuiltinModule('node:tls') as typeof import('node:tls')).createSecureContext({ cert: certText, key: keyText });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const why = code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH' || /key values mismatch/.test((error as Error).message) ? `is not the key of the --cert ${JSON.stringify(cert)} certificate` : `cannot be used with --cert ${JSON.stringify(cert)}: ${(error as Error).message}`;
    throw new UsageError(`${keyFlag} ${why}`, { cause: error });
  }
}

/** --max-redirects N; curl's -1 (no limit) gets how to ask for a high one. */
export function maxRedirectsFlag(value: string): number {
  if (value.trim() === '-1') throw new UsageError(`Expected --max-redirects to be a non-negative integer, got ${describeValue(value)} (curl's -1 for no limit is not taken: give a high one, such as 50)`);
  return nonNegativeInteger('--max-redirects')(value);
}

export function parseProxyFlag(value: string, previous?: unknown): string {
  const href = proxyFlagHref(value);
  // -x and --proxy are one flag: given twice with two proxies, the last won without a word (curl's does so too).
  if (typeof previous === 'string' && previous !== href) {
    // The password masked, the user name kept: two proxies that differ in it alone are told apart.
    const shown = (proxy: string): string => (proxy === '' ? '""' : JSON.stringify(proxy.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@')));
    const same = shown(previous) === shown(href) ? ', which differ in the password' : '';
    throw new UsageError(`--proxy (-x) given twice (${shown(previous)}, ${shown(href)}${same}): requests go through one proxy; give one`);
  }
  return href;
}

function proxyFlagHref(value: string): string {
  // curl's -x "": no proxy at all, whatever http_proxy and the others say.
  if (value === '') return '';
  // httpx's -x METHOD (the methods to probe), or curl's -X typed in lower case: read as a proxy host, every record
  // failed its lookup of "post" (through the system's resolver), exit 0.
  if (/^(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|TRACE|ALL)$/i.test(value)) {
    throw new UsageError(`Expected --proxy (-x) to be a proxy (host:port), got ${describeValue(value)}, an HTTP method: -X ${value.toUpperCase() === 'ALL' ? 'METHOD' : value.toUpperCase()} (capital X) sets the method`);
  }
  // `-x proxies.txt`, or the list's name taken by a -x whose value was forgotten: read as a host, port 1080. A
  // single label (`-x proxy`, a compose service's name) may be both a host and a file here: left to be the host.
  if (/[./]/.test(value) && !value.includes(':') && isRegularFile(value)) throw new UsageError(`Expected --proxy (-x) to be a proxy (host:port), got ${describeValue(value)}, which names a file here: give -x its proxy, and a file of URLs as an argument of its own`);
  const parsed = parseProxyUrl(value);
  if ('problem' in parsed) throw new UsageError(`Expected --proxy to be a proxy (host:port, or http://, https://, socks5:// or socks5h:// host:port), got ${describeValue(value)}: ${parsed.problem}`);
  // A proxy is a host and port: a path or query says the URL meant as an argument was taken for its value
  // (`-x http://host/get` with no proxy given), and the run then read stdin, an empty one a run of no records.
  const written = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  const url = URL.canParse(written) ? new URL(written) : undefined;
  // With credentials, a path is a password's / read as the authority's end (digits before it read as a port).
  if (url && (url.pathname.length > 1 || url.search !== '') && value.includes('@')) {
    throw new UsageError(`Expected --proxy to be a proxy (host:port), got ${describeValue(value)}, which reads as having a path: a /, ?, # or @ in the user name or password is written %2F, %3F, %23 or %40`);
  }
  if (url && (url.pathname.length > 1 || url.search !== '')) {
    throw new UsageError(`Expected --proxy to be a proxy (host:port), got the URL ${describeValue(value.replace(/\/\/[^/@]*@/, '//***@'))}, which has a path: give --proxy its proxy, and the URL as an argument of its own`);
  }
  return parsed.href;
}

/** --noproxy: host names, never a URL (one taken for its value left the run no URL argument). */
export function parseNoProxyFlag(value: string): string {
  if (value.includes('://')) throw new UsageError(`Expected --noproxy to be host names (a.test,.b.test,10.0.0.0/8), got the URL ${describeValue(value.replace(/\/\/[^/@]*@/, '//***@'))}: give --noproxy its hosts, and the URL as an argument of its own`);
  // No host name has a /: an entry with one is a subnet, and one that is not (`10.0.0.0/abc`, `10.0.0.0/33`)
  // matched nothing, sending every host it was meant to cover through the proxy without a word.
  const badSubnet = value.split(/[,\s]+/).find((entry) => entry.includes('/') && !isSubnet(entry));
  if (badSubnet !== undefined) throw new UsageError(`Expected --noproxy's ${describeValue(badSubnet)} to be a subnet, an IP address and a prefix length (10.0.0.0/8, fd00::/8)`);
  return value;
}

/** `10.0.0.0/8`, `fd00::/8`, `[::1]/128`: an address and a prefix length no longer than its family's width. */
function isSubnet(entry: string): boolean {
  const [, address = '', bits = ''] = /^\[?([^/\]]+)\]?\/(\d{1,3})$/.exec(entry) ?? [];
  const family = isIP(address);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}
