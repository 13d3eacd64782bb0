import { parseErrorLimit } from '../parent/error-budget.js';
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY, MAX_PROCS } from '../defaults.js';
import { VERSION } from '../version.js';
import type { OptionSpec } from './option-spec.js';
import { boolean, bodyValue, byteSize, duration, entries, nonNegativeInteger, oneOf, positiveInteger, requestRate } from './value-parsers.js';
import { bodyFlag, parseDataUrlencode, uploadFileFlag } from './body-flags.js';
import { headerFlagText, headerValueFlag, parseCookieFlag, parseHeaderFlag, parseMethodFlag, parseUserAgentFlag, parseUserFlag } from './request-flags.js';
import { protocolsFlag } from './protocol-flags.js';
import { connectToFlagText, maxRedirectsFlag, parseConnectToFlag, parseNoProxyFlag, parseProxyFlag, parseResolveFlag, pemFile } from './transport-flags.js';
import { CACHE_MODES, cacheMode, errorLimitText, parseOutputFlag, parseSaveDir, parseSummaryFlag, parseShard, shardText } from './run-flags.js';
import { cpusAvailable } from '../cpus-available.js';

/**
 * The option table. Order here is the order in --help and the README. Every
 * default and every check of an option's value lives in its row, and nowhere else.
 */
export const OPTION_TABLE: readonly OptionSpec[] = [
  { flags: '--procs <n>', runOption: 'procs', description: 'child processes (at most 1024: each is a Node process of about 100 MB)', defaultValue: cpusAvailable(), defaultDescription: 'number of CPUs, a CPU quota counted', parse: positiveInteger('--procs', { most: MAX_PROCS, why: 'each is a Node process of about 100 MB' }) },
  { flags: '--concurrency <n>', runOption: 'concurrency', description: 'requests in flight per process (at most 1048576: a descriptor each)', defaultValue: DEFAULT_CONCURRENCY, parse: positiveInteger('--concurrency', { most: MAX_CONCURRENCY, why: 'each request in flight holds a connection, a file descriptor, and Linux allows a process 1048576' }) },
  { flags: '--parallel-max <n>', description: "curl -Z's limit: requests in flight over all processes (at most N: --concurrency N / --procs, over fewer processes where they do not divide N; with --procs given, N / --procs each, and a warning when that is fewer than N)", parse: positiveInteger('--parallel-max') },
  { flags: '--url <url>', description: 'a URL to fetch, as curl takes it (repeatable): the same as giving it as an argument; without a scheme, --proto-default\'s', parse: (value: string, previous: unknown) => [...((previous as string[] | undefined) ?? []), value] },
  { flags: '-g, --globoff', description: 'take [] and {} in URL arguments as written (by default they are expanded as curl expands them: {a,b}, [1-100], [a-z])' },
  { flags: '-Z, --parallel', description: 'accepted for curl users: requests always run in parallel' },
  { flags: '-o, --output <file>', description: 'write results to FILE instead of stdout', parse: parseOutputFlag },
  { flags: '--timeout <duration>', curlName: '-m, --max-time <duration>', runOption: 'timeout', description: 'time limit for a whole attempt (connect, headers and body); seconds, or 250ms, 2s, 1m', defaultValue: 30000, defaultDescription: '30s', ...duration('--timeout', 'timeout', true) },
  { flags: '--connect-timeout <duration>', runOption: 'connectTimeout', description: 'time limit for opening a connection (TCP and TLS handshake, and through an HTTP proxy its CONNECT, as curl), per attempt; a name of several addresses (localhost: 127.0.0.1 and ::1) has them tried in turn, each but the last for at most 2 s and half of this', defaultValue: 10000, defaultDescription: '10s', ...duration('--connect-timeout', 'connectTimeout', true) },
  { flags: '--tcp-nodelay', description: 'accepted for curl users: every connection sets TCP_NODELAY' },
  { flags: '--retries <n>', curlName: '--retry <n>', runOption: 'retries', description: 'retries after connection errors, timeouts and 408/425/429/500/502/503/504 (idempotent methods only, but for a connection never made: refused or timed out); a host\'s first 429 gets one more', defaultValue: 2, parse: nonNegativeInteger('--retries') },
  { flags: '--retry-delay <duration>', runOption: 'retryDelay', description: 'backoff base: retry k waits a random time up to min(max delay, base x 2^(k-1))', defaultValue: 250, defaultDescription: '250ms', ...duration('--retry-delay', 'retryDelay', false) },
  { flags: '--retry-max-delay <duration>', runOption: 'retryMaxDelay', description: 'cap on any retry wait and on the pause of a host after 429/503, Retry-After included', defaultValue: 30000, defaultDescription: '30s', ...duration('--retry-max-delay', 'retryMaxDelay', false) },
  { flags: '--retry-all-methods', runOption: 'retryAllMethods', description: 'retry non-idempotent methods (POST, PATCH ...) too', defaultValue: false, check: boolean('retryAllMethods') },
  { flags: '--retry-connrefused', description: 'accepted for curl users: a refused connection is retried already, whatever the method, as other connection errors are (--retries)' },
  { flags: '-L, --follow', curlName: '--location', runOption: 'follow', description: 'follow redirects (301, 302, 303, 307, 308; a 300, 305 or 306 with a Location, which curl -L follows too, is the line\'s answer)', defaultValue: false, check: boolean('follow') },
  { flags: '--max-redirects <n>', curlName: '--max-redirs <n>', runOption: 'maxRedirects', description: 'redirects followed per record with --follow; a longer chain is ETOOMANYREDIRECTS (curl\'s default is 50)', defaultValue: 10, parse: maxRedirectsFlag },
  { flags: '--proto <protocols>', runOption: 'protocols', description: "the protocols a record's URL may use, as curl's list: '=https' for https alone (an http record is then EUNSUPPORTEDSCHEME, unsent), '-http', 'all'; curl's other names (ftp ...) are taken and change nothing", defaultValue: 'http,https', defaultDescription: 'all (http, https)', parse: protocolsFlag('--proto', { emptyAllowed: false }) },
  { flags: '--proto-redir <protocols>', runOption: 'redirectProtocols', description: "the protocols a redirect followed with -L may lead to, as curl's list ('=https' refuses an https URL's redirect to http: EUNSUPPORTEDSCHEME); never one --proto takes away", defaultValue: 'http,https', defaultDescription: 'all (http, https)', parse: protocolsFlag('--proto-redir', { emptyAllowed: true }) },
  { flags: '-k, --insecure', runOption: 'insecure', description: 'do not verify TLS certificates', defaultValue: false, check: boolean('insecure') },
  { flags: '--cacert <file>', runOption: 'cacert', description: 'trust the CA certificates in this PEM file instead of the default ones, as in curl; a server\'s own certificate in it is trusted too (pinned), as curl takes it', parse: pemFile('--cacert') },
  { flags: '-E, --cert <file>', runOption: 'cert', description: 'client certificate (PEM) for mutual TLS; may hold the key too', parse: pemFile('--cert') },
  { flags: '--key <file>', runOption: 'key', description: 'private key (PEM, unencrypted) of the --cert client certificate', defaultDescription: 'the --cert file', parse: pemFile('--key') },
  { flags: '-x, --proxy <url>', runOption: 'proxy', description: 'send every request through this proxy: host:port (http://, port 1080 if none, as curl), or a URL: http://, https://, socks5:// or socks5h:// (socks5h: the proxy looks names up); \'\' for none, whatever the environment says (as curl)', defaultDescription: 'http_proxy / HTTPS_PROXY, minus NO_PROXY', parse: parseProxyFlag },
  { flags: '--noproxy <hosts>', runOption: 'noProxy', description: "hosts to reach without the proxy, comma-separated as in NO_PROXY (example.com, .internal, 10.0.0.0/8, host:port); '*' for every host, '' for none: replaces NO_PROXY, as curl's --noproxy", defaultDescription: 'NO_PROXY', parse: parseNoProxyFlag },
  { flags: '--http2', runOption: 'http2', description: 'use HTTP/2 where a TLS server offers it (ALPN); HTTP/1.1 otherwise', defaultValue: false, check: boolean('http2') },
  { flags: '--http1.1', runOption: 'http1Only', description: 'HTTP/1.1 only, as curl: no HTTP/2 even for a TLS server that refuses HTTP/1.1 (without it such a server is asked again with h2 offered)', defaultValue: false, check: boolean('http1Only') },
  { flags: '-4, --ipv4', runOption: 'ipv4Only', description: 'connect over IPv4 only, as curl: names resolve to IPv4 addresses alone, and an IPv6 address in a URL or --resolve is an error record', defaultValue: false, check: boolean('ipv4Only') },
  { flags: '-6, --ipv6', runOption: 'ipv6Only', description: 'connect over IPv6 only, as curl (the reverse of -4)', defaultValue: false, check: boolean('ipv6Only') },
  { flags: '--connect-to <host1:port1:host2:port2>', runOption: 'connectTo', description: 'connect to HOST2:PORT2 for requests to HOST1:PORT1, as curl; the URL\'s host stays the Host header, TLS name and certificate check; empty parts match any (HOST1, PORT1) or keep the request\'s (HOST2, PORT2) (repeatable)', defaultValue: {}, parse: parseConnectToFlag, check: entries('connectTo', parseConnectToFlag, connectToFlagText) },
  { flags: '--resolve <host:port:addr>', runOption: 'resolve', description: 'connect to ADDR for HOST:PORT instead of resolving HOST, as in curl; HOST * for any host; curl\'s +HOST:PORT:ADDR is taken as the same (repeatable)', defaultValue: {}, parse: parseResolveFlag, check: entries('resolve', parseResolveFlag, (hostPort, entry) => { const address = String(entry); return `${hostPort}:${address.includes(':') ? `[${address}]` : address}`; }) },
  { flags: '--cache <mode>', runOption: 'cache', description: 'auto: the run reads its input and caches only requests that come again (see Cache); on: cache every GET/HEAD response; off: fetch every record', defaultValue: 'auto', parse: oneOf('--cache', CACHE_MODES), check: cacheMode },
  { flags: '--no-cache', runOption: 'cache', description: 'the same as --cache off', check: cacheMode },
  { flags: '--cache-size <n>', runOption: 'cacheSize', description: 'optional cap on responses kept per process (--cache-bytes bounds the cache either way)', parse: positiveInteger('--cache-size') },
  { flags: '--cache-bytes <size>', runOption: 'cacheBytes', description: 'bytes of serialized responses kept per process for repeated requests (64k, 10M, 1G as in curl)', defaultValue: 64 * 1024 * 1024, defaultDescription: '64M', parse: byteSize('--cache-bytes', { positive: true }) },
  { flags: '-X, --method <method>', curlName: '--request <method>', runOption: 'method', description: 'default method for URL records', defaultValue: 'GET', defaultDescription: 'GET (POST with --data, as in curl)', parse: parseMethodFlag },
  { flags: '-H, --header <header>', runOption: 'headers', description: "add a header 'Name: value' to every request (repeatable); 'Name:' removes one bulkfetch would send, 'Name;' sends it empty, @FILE reads one a line, as in curl", defaultValue: {}, parse: parseHeaderFlag, check: entries('headers', parseHeaderFlag, headerFlagText) },
  { flags: '-d, --data <body>', curlName: '--data-ascii <body>', runOption: 'data', description: "default request body; @FILE reads it from FILE without CR/LF (as curl); given again, joined with & (as curl); sends Content-Type: application/x-www-form-urlencoded unless -H gives one", parse: bodyFlag('-d', { stripNewlines: true, joiner: '&' }), check: bodyValue('data') },
  { flags: '--data-binary <body>', description: 'like -d, but @FILE is sent as it is, newlines kept', parse: bodyFlag('--data-binary', { stripNewlines: false, joiner: '&' }) },
  { flags: '--data-raw <body>', description: 'like -d, but a leading @ is sent as it is (as curl)', parse: bodyFlag('--data-raw', { stripNewlines: false, readsFiles: false, joiner: '&' }) },
  { flags: '--data-urlencode <data>', description: "like -d, URL-encoded as curl does: 'name=value' encodes the value, 'value' and '=value' all of it, 'name@FILE' and '@FILE' a file's contents; after any -d pieces, joined with &", parse: parseDataUrlencode },
  { flags: '-G, --get', description: 'send the -d and --data-urlencode data in every URL\'s query, with GET, as curl -G' },
  { flags: '-T, --upload-file <file>', description: "send FILE as every request's body, with PUT unless -X says otherwise (as curl: no Content-Type of its own, and FILE's name appended to a URL whose path ends in /); - reads stdin", parse: uploadFileFlag },
  { flags: '--json <body>', description: 'like --data-binary, sent with Content-Type and Accept application/json (as curl 7.82+)', parse: bodyFlag('--json', { stripNewlines: false, joiner: '' }) },
  { flags: '-I, --head', description: 'send HEAD requests (the same as -X HEAD), as curl -I; with -X another method, its body left out of the line' },
  { flags: '-e, --referer <url>', description: "Referer header for every request, as in curl; ';auto' at its end (or alone) sends each redirect -L follows the URL it came from", parse: headerValueFlag('--referer', 'referer') },
  { flags: '-b, --cookie <data|file>', description: "Cookie header for every request ('a=1; b=2'), as curl -b with data; without '=', a cookie file as curl -c writes it (Netscape format): each request carries its cookies that match the URL; -b '' or a file keeps the cookies a record's redirects set, for its later hops (curl's cookie engine); repeatable", parse: parseCookieFlag },
  { flags: '-u, --user <user:password>', description: 'send Basic authorization (as curl; credentials in a URL are sent the same way)', parse: parseUserFlag },
  { flags: '--basic', description: 'accepted for curl users: -u sends Basic authorization, the only kind sent' },
  { flags: '--proto-default <scheme>', runOption: 'protoDefault', description: 'scheme for records written without one (example.com/x), as in curl', defaultValue: 'http', parse: oneOf('--proto-default', ['http', 'https'] as const) },
  { flags: '-A, --user-agent <ua>', runOption: 'userAgent', description: 'User-Agent header', defaultValue: `bulkfetch/${VERSION}`, parse: parseUserAgentFlag },
  { flags: '--body <mode>', runOption: 'body', description: 'response body in output: auto (JSON as its own text, text as string, else base64), text, base64, none', defaultValue: 'auto', parse: oneOf('--body', ['auto', 'text', 'base64', 'none'] as const) },
  // CLI-only: the default already, accepted so curl command lines work; --no-compressed's row sets the field.
  { flags: '--compressed', description: 'ask for gzip, deflate and br (Accept-Encoding) and decode them (the default; accepted for curl users)' },
  { flags: '--no-compressed', runOption: 'compressed', description: 'send no Accept-Encoding and keep the body bytes as they came', defaultValue: true, check: boolean('compressed') },
  { flags: '--max-body <size>', runOption: 'maxBody', description: 'keep at most this many body bytes (after decoding; 64k, 10M as in curl), stop reading and set truncated', defaultValue: 1024 * 1024, defaultDescription: '1M', parse: byteSize('--max-body', { positive: false }) },
  { flags: '--save <dir>', runOption: 'save', description: 'stream each 2xx body to a file in DIR (named by the spec id or a hash of the request), not into the line', parse: parseSaveDir },
  { flags: '--max-filesize <size>', runOption: 'maxFilesize', description: 'fail a body larger than this with EMAXFILESIZE, as curl does, saved or not (--max-body cuts a body kept in the line instead, and does not apply to saved ones)', parse: byteSize('--max-filesize', { positive: true }) },
  { flags: '-i, --include', description: 'accepted for curl users: response headers are in every line already' },
  { flags: '--no-headers', runOption: 'includeHeaders', description: 'leave response headers out of the output', defaultValue: true, check: boolean('includeHeaders') },
  { flags: '--summary <file>', description: 'write the run summary as JSON to FILE (- for stdout, when -o FILE takes the results)', parse: parseSummaryFlag },
  { flags: '--rate <n>', runOption: 'rate', description: 'requests per second in total, over all processes and hosts (see Limits); or N/s, N/m, N/h, N/d as in curl, or N per a span (1/2s, 50/100ms, 1/1.5s)', parse: requestRate('--rate') },
  { flags: '--per-host-concurrency <n>', runOption: 'perHostConcurrency', description: 'requests in flight per host in total, over all processes (see Limits)', parse: positiveInteger('--per-host-concurrency') },
  { flags: '--per-host-rate <n>', runOption: 'perHostRate', description: 'requests per second per host in total, over all processes (see Limits); or N/s, N/m, N/h, N/d, or N per a span (1/2s, 50/100ms)', parse: requestRate('--per-host-rate') },
  { flags: '--resume', description: 'with -o: skip records already in FILE and append the rest; the same command line serves the first run and every restart' },
  { flags: '--grace <duration>', runOption: 'grace', description: 'on SIGINT, SIGTERM, SIGHUP or --max-errors: time requests in flight get to finish before they are aborted', defaultValue: 5000, defaultDescription: '5s', ...duration('--grace', 'grace', false) },
  { flags: '-f, --fail', curlName: '--fail-with-body', description: 'exit 1 when any record ended with an error or an HTTP status >= 400 (each line keeps its body)' },
  { flags: '--max-errors <n|p%>', runOption: 'maxErrors', description: 'stop gracefully and exit 1 once more than N records (or P% of those answered, judged from 100 on) ended with an error', parse: parseErrorLimit, check: (value) => parseErrorLimit(errorLimitText(value)) },
  { flags: '-q, --quiet', curlName: '-s, --silent', description: 'no summary (nor progress) on stderr' },
  { flags: '-S, --show-error', description: 'accepted for curl users: errors always show (usage errors on stderr, a failed record in its line)' },
  { flags: '-N, --no-buffer', description: 'accepted for curl users: each line is written as its response completes' },
  { flags: '--progress', description: 'show progress on stderr even when it is not a terminal', defaultDescription: 'on when stderr is a terminal, but for URLs typed there and results piped on (| jq)' },
  { flags: '--no-progress', curlName: '--no-progress-meter', description: 'never show progress' },
  { flags: '--ordered', runOption: 'ordered', description: 'write results in input order (a slow record holds back the ones after it)', defaultValue: false, check: boolean('ordered') },
  { flags: '--reorder-buffer <n>', runOption: 'reorderBuffer', description: 'with --ordered: records held out of order before reading pauses', defaultValue: 4096, parse: positiveInteger('--reorder-buffer') },
  { flags: '--shard <K/N>', runOption: 'shard', description: 'process only shard K of N (0 <= K < N) by request key hash: split a list over N machines', parse: parseShard, check: (value) => parseShard(shardText(value)) },
];
