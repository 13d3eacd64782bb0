import { CURL_CONFIG_URLS } from '../input/validate.js';

/**
 * curl flags bulkfetch does not take, each with what to do instead. A curl
 * user's command line carries over where it can (the option table's curl
 * names); where it cannot, "unknown option" alone leaves them guessing, so the
 * one usage line says what bulkfetch does in its place.
 */
const INSTEAD: ReadonlyArray<[flags: string[], instead: string]> = [
  [['-F', '--form', '--form-string'], 'multipart bodies are not built; send a spec line with its "body" and a Content-Type header'],
  [['-w', '--write-out', '-D', '--dump-header'], 'every line has status, ms, bytes and the response headers already: pick them with jq'],
  [['-v', '--verbose', '--trace', '--trace-ascii', '--trace-time', '--trace-config', '--libcurl'], 'every line shows the record (url, method) and its answer (status, response headers, error code); --summary FILE writes the run summary'],
  [['-K', '--config'], `give the URLs as arguments or one a line in a file (a config file's: ${CURL_CONFIG_URLS}), and the flags on the command line`],
  [['-O', '--remote-name', '--remote-name-all', '-J', '--remote-header-name', '--output-dir', '--create-dirs', '--xattr'], '--save DIR writes each 2xx body to a file of its own'],
  [['-R', '--remote-time'], "files that --save DIR writes keep the time they were written; the server's date is in each line's headers (last-modified)"],
  [['-r', '--range', '-C', '--continue-at'], "use -H 'Range: bytes=0-99' (or 'bytes=N-' to start at byte N)"],
  [['--happy-eyeballs-timeout-ms'], "Node's connect tries a name's addresses in turn; -4 or -6 keeps to one IP version, --resolve HOST:PORT:ADDR picks the address"],
  [['--interface', '--local-port'], 'connections leave from the address and port the system picks'],
  [['--oauth2-bearer'], "use -H 'Authorization: Bearer TOKEN'"],
  [['--digest', '--ntlm', '--negotiate', '--anyauth', '--aws-sigv4'], 'only Basic authorization is sent (-u user:password); for a token, -H \'Authorization: ...\''],
  [['--proxy-ntlm', '--proxy-negotiate', '--proxy-digest', '--proxy-anyauth', '--proxy-basic'], 'a proxy is sent Basic credentials alone, from its URL (-x http://user:password@host:port); one that wants NTLM or Negotiate answers 407'],
  [['-0', '--http1.0', '--http0.9', '--http2-prior-knowledge', '--http3', '--http3-only'], 'bulkfetch speaks HTTP/1.1, and HTTP/2 over TLS with --http2'],
  [['--path-as-is'], 'URLs are normalized, their dot segments resolved, as curl does without it (%2e and \\ are kept as written: see the README\'s Input)'],
  [['-c', '--cookie-jar', '-j', '--junk-session-cookies'], "no cookie jar is kept; send cookies with -b 'name=value', and -b '' keeps the cookies a record's redirects set"],
  [['-n', '--netrc', '--netrc-file'], 'use -u user:password'],
  [['--limit-rate'], '--rate N limits requests per second (--per-host-rate per host)'],
  [['--retry-all-errors', '--retry-max-time'], 'connection errors, timeouts and statuses 408, 425, 429, 500, 502, 503 and 504 are retried already (--retries N); --retry-all-methods retries POST too'],
  [['--parallel-immediate'], 'drop it: connections open as they are needed (with --http2, one to an origin until its handshake says whether it multiplexes)'],
  [['-U', '--proxy-user'], 'give the proxy its credentials in its URL: -x http://user:password@host:port'],
  [['-#', '--progress-bar'], 'a progress line is drawn on stderr at a terminal; --progress shows it elsewhere, --no-progress or -q hides it'],
  [['--tlsv1.2', '--tlsv1.3', '--tlsv1', '--tlsv1.0', '--tlsv1.1', '--sslv3', '--tls-max', '--ciphers', '--ssl-reqd', '-1', '-2', '-3'], "TLS versions and ciphers are Node's defaults (TLS 1.2 and 1.3)"],
  [['--no-keepalive', '--keepalive-time'], 'connections are kept alive for reuse and closed once their host has no more records'],
  [['--capath'], 'use --cacert FILE, the CA certificates in one PEM file'],
  [['--location-trusted', '--unrestricted-auth'], '-L keeps -u, -b and Authorization headers for the first origin only, and there is no way to send them on'],
  [['--url-query'], 'use -G with --data-urlencode, which adds to every URL\'s query'],
  [['-y', '--speed-time', '-Y', '--speed-limit'], '--timeout limits a whole attempt'],
  [['--unix-socket', '--abstract-unix-socket'], 'only http and https URLs over TCP are fetched'],
  [['--raw', '--tr-encoding'], '--no-compressed sends no Accept-Encoding and keeps the body bytes as they came'],
  [['-z', '--time-cond'], "use -H 'If-Modified-Since: DATE'"],
  [['--stderr'], 'redirect stderr in the shell: 2>FILE'],
  [['-p', '--proxytunnel'], '-x tunnels https URLs through CONNECT and forwards http ones, as curl does without -p'],
  [['--socks5', '--socks5-hostname'], 'give the SOCKS5 proxy to -x: -x socks5://HOST:PORT, or socks5h://HOST:PORT for the proxy to look names up (--socks5-hostname)'],
  [['--socks4', '--socks4a', '--preproxy'], 'SOCKS4 and a proxy before a proxy are not supported; -x takes an HTTP, HTTPS or SOCKS5 proxy'],
  [['--proxy-insecure', '--proxy-cacert'], '-k and --cacert apply to an HTTPS proxy as well'],
  [['--cert-type', '--key-type'], '--cert and --key take PEM files'],
  [['--pass'], '--key takes an unencrypted PEM key'],
  [['--pinnedpubkey', '--crlfile'], 'certificates are checked against the CA certificates (--cacert FILE), or not at all with -k'],
  [['--next', '-:', '--variable', '--expand-url', '--expand-data', '--expand-header'], 'every input line is a request of its own; a JSON spec line sets its own method, headers and body'],
  [['--doh-url', '--dns-servers'], 'names are resolved by the system; --resolve HOST:PORT:ADDR sets an address yourself'],
  [['--etag-compare'], "use -H 'If-None-Match: ETAG'"],
  [['--etag-save', '--hsts', '--alt-svc'], 'nothing is kept between runs but the output that --resume reads'],
  [['--post301', '--post302', '--post303'], '-L keeps a POST on 307 and 308 and turns it into a GET on 301, 302 and 303, as curl does without these flags'],
  [['--fail-early'], '--max-errors 0 stops the run at the first record that ends with an error (an HTTP status is an answer, not an error: pick those with jq)'],
  [['--ssl-no-revoke', '--no-sessionid', '--false-start'], 'drop it: it changes nothing here'],
  [['--expect100-timeout'], 'drop it: no request waits for 100 Continue (Expect: 100-continue is not sent)'],
  [['-M', '--manual'], 'bulkfetch --help lists every option, and the README says more'],
  [['--disable'], 'drop it: bulkfetch reads no .curlrc, nor any config file'],
  [['--skip-existing', '--no-clobber'], '--resume with -o FILE skips the records already answered there'],
  [['--proxy-header'], 'headers for the proxy alone are not sent: credentials go in its URL (-x http://user:password@host:port), and -H goes to the server'],
  [['--request-target'], "a record's URL gives the request target: its path and query"],
  [['--ignore-content-length'], 'a body that ends before its Content-Length is an error record (ESOCKETCLOSED, the message says how much came)'],
  [['--no-alpn'], 'ALPN offers http/1.1 (and h2 with --http2) and cannot be left out; --http1.1 offers HTTP/1.1 alone'],
  [['--proxy-cert', '--proxy-key', '--proxy-cert-type', '--proxy-key-type', '--proxy-pass', '--proxy-capath', '--proxy-pinnedpubkey', '--proxy-ciphers', '--proxy-crlfile', '--proxy-tls13-ciphers'], 'an HTTPS proxy is checked with -k and --cacert, as the server is; no client certificate goes to a proxy'],
  [['--ssl-allow-beast', '--ssl-auto-client-cert', '--ssl-revoke-best-effort', '--random-file', '--egd-file', '--engine'], "TLS is Node's: its defaults, -k, --cacert, --cert and --key"],
  [['--sslv2', '--ssl'], "TLS versions are Node's defaults (TLS 1.2 and 1.3); an https:// URL is TLS, an http:// one is not"],
  [['--doh-insecure', '--doh-cert-status'], 'names are resolved by the system; --resolve HOST:PORT:ADDR sets an address yourself'],
  [['--no-http0.9', '--no-npn', '--tcp-fastopen', '--tcp-nodelay', '--styled-output', '--no-styled-output', '--suppress-connect-headers', '--ca-native', '--proxy-ca-native'], "drop it: it is bulkfetch's way already, or changes nothing here"],
  [['--crlf'], 'a body is sent as its bytes; write CRLF into the -d text or file yourself'],
  [['--proxy1.0'], '-x speaks HTTP/1.1 to an HTTP proxy'],
  [['--tlsuser', '--tlspassword', '--tlsauthtype', '--curves', '--tls13-ciphers', '--cert-status', '--proxy-tlsv1'], "TLS is Node's: its defaults, -k, --cacert, --cert and --key"],
  [['--remove-on-error'], 'an error is a line of its own in the output; with --save, a body that failed leaves no file'],
  [['--disallow-username-in-url'], 'a URL user name is sent as Basic authorization, as curl does by default'],
  [['--haproxy-protocol', '--haproxy-clientip'], 'no PROXY protocol header is sent'],
];

const BY_FLAG: ReadonlyMap<string, string> = new Map(INSTEAD.flatMap(([flags, instead]) => flags.map((flag) => [flag, instead] as const)));

/**
 * What to do instead of a curl flag bulkfetch does not take; undefined for any other text.
 * A short flag may carry its value joined, as curl takes it (`-D-`, `-wFORMAT`).
 */
export function insteadOfCurlFlag(flag: string): string | undefined {
  return BY_FLAG.get(flag.split('=')[0] ?? flag) ?? (/^-[A-Za-z#:]./.test(flag) ? BY_FLAG.get(flag.slice(0, 2)) : undefined);
}

/** commander's "unknown option '-w'" with curl's alternative added, when it is a curl flag. */
export function explainUnknownOption(message: string, withoutValue: ReadonlySet<string> = new Set(), longFlags: readonly string[] = []): string {
  const given = /unknown option '([^']+)'/.exec(message)?.[1];
  // `--insecure=true`: a flag we take, given a value it does not take.
  const named = given?.startsWith('--') && given.includes('=') ? given.slice(0, given.indexOf('=')) : undefined;
  if (named !== undefined && withoutValue.has(named)) return `${named} takes no value: give it alone (${named}), or leave it out`;
  // Ways of asking for help that are no flag of ours: "unknown option '-help'" said nothing of --help.
  if (given !== undefined && HELP_ASKED.has(given.toLowerCase())) return `unknown option '${given}': bulkfetch --help lists the options`;
  const instead = given === undefined ? undefined : insteadOfCurlFlag(given);
  // `--flag=VALUE` and curl's `-UVALUE` show the flag alone: the value may be a secret (--proxy-user=bob:pw, -Ubob:pw).
  const flag = given?.startsWith('--') && given.includes('=')
    ? `${given.slice(0, given.indexOf('='))}=...`
    : given !== undefined && instead !== undefined && /^-[^-]./.test(given) ? `${given.slice(0, 2)}...` : given;
  const said = given === undefined ? message : message.replace(`'${given}'`, `'${flag as string}'`);
  // commander's "(Did you mean --http2?)" guesses at a typo; a curl flag is no typo.
  if (instead !== undefined) return `unknown option '${flag as string}': a curl flag bulkfetch does not take; ${instead}`;
  const othersFlag = given === undefined ? undefined : OTHER_TOOLS_FLAGS.get(given.split('=')[0] as string);
  if (othersFlag !== undefined) return `unknown option '${flag as string}': ${othersFlag}`;
  // The start of flags of ours (--per-host for --per-host-concurrency and --per-host-rate), too far from them for
  // commander's guess: the line said "unknown option" alone.
  const started = given?.startsWith('--') && !said.includes('(Did you mean') ? longFlags.filter((long) => long.startsWith(`${given.split('=')[0] as string}-`)) : [];
  return started.length === 0 || started.length > 3 ? said : `${said} (Did you mean ${started.join(' or ')}?)`;
}

/** Spellings of a request for help (lower-cased) that are no flag: -help as Java tools take it, -? as Windows ones, --usage. */
const HELP_ASKED: ReadonlySet<string> = new Set(['-help', '--h', '-?', '--help', '--usage', '-usage', '--hlep', '--halp']);

/** Other bulk tools' flags their users type (httpx, wget, xargs), with ours: none of them is a curl flag we take. */
const OTHER_TOOLS_FLAGS: ReadonlyMap<string, string> = new Map([
  ['--rate-limit', "httpx's flag: --rate N limits requests per second (--per-host-rate N per host)"],
  ['--threads', "httpx's flag: --procs N sets the processes, --concurrency N the requests in flight in each"],
  ['-l', "httpx's list flag: give the file of URLs as the argument (bulkfetch FILE), or - for stdin"],
  ['--list', "httpx's list flag: give the file of URLs as the argument (bulkfetch FILE), or - for stdin"],
  ['-t', "wget's tries or httpx's threads: --retries N sets the retries after the first attempt; --concurrency N the requests in flight in each process"],
  ['--tries', "wget's flag: --retries N sets the retries after the first attempt"],
  ['--no-check-certificate', "wget's flag: -k (--insecure) skips the certificate check, as curl's"],
  ['-P', "xargs' -P: --concurrency N sets the requests in flight in each process, --procs N the processes"],
  // commander guessed --json, which POSTs every record with a JSON body.
  ['--jsonl', 'every line is JSON already, one a record (JSON Lines); --json sends a JSON request body, with POST'],
  ['--ndjson', 'every line is JSON already, one a record (JSON Lines); --json sends a JSON request body, with POST'],
  ['--jsonlines', 'every line is JSON already, one a record (JSON Lines); --json sends a JSON request body, with POST'],
]);
