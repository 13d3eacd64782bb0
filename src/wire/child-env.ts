/**
 * The environment a child is started with, beyond the parent's own: part of
 * the contract between the two, like the messages.
 *
 * NODE_EXTRA_CA_CERTS is taken over for children. Node reads that file, and
 * parses its whole bundled root store with it, as every process starts: ~50
 * ms of CPU on Node 20 (`node -e 0`: 81 ms against 27), paid again by each
 * child, most of which never verify a certificate. So children start without
 * the variable and find the file under CHILD_EXTRA_CA_ENV; one that verifies a
 * certificate builds what Node would have made its default trust, once: the
 * bundled roots plus the file (src/http/tls-context.ts). A 1-URL run at --procs 8
 * took 255 ms instead of 315 (median of 15 alternated; bench/CHANGELOG.md, entry 18).
 */
export const CHILD_EXTRA_CA_ENV = 'BULKFETCH_EXTRA_CA_CERTS';

/**
 * Node's CA-store switches: with any of them the default trust is not the
 * bundled roots, so children keep NODE_EXTRA_CA_CERTS and Node's own handling.
 */
const STORE_FLAGS = ['--use-openssl-ca', '--use-system-ca', '--use-bundled-ca'];

/**
 * `env` for a child: NODE_EXTRA_CA_CERTS moved to CHILD_EXTRA_CA_ENV when the
 * default trust is Node's bundled roots (the usual case), as given otherwise.
 */
export function childCaEnv(env: NodeJS.ProcessEnv, execArgv: readonly string[]): NodeJS.ProcessEnv {
  // Only the parent sets our name: one inherited from the caller's environment is not a trust setting.
  const { [CHILD_EXTRA_CA_ENV]: _inherited, ...base } = env;
  const file = base.NODE_EXTRA_CA_CERTS;
  if (!file) return base;
  const flags = [...execArgv, ...(base.NODE_OPTIONS ?? '').split(/\s+/)];
  if (flags.some((flag) => STORE_FLAGS.includes(flag)) || base.NODE_USE_SYSTEM_CA === '1') return base;
  const { NODE_EXTRA_CA_CERTS: _moved, ...rest } = base;
  return { ...rest, [CHILD_EXTRA_CA_ENV]: file };
}

/** Never fewer than this (the size children had before it followed --concurrency). */
const MIN_THREADS = 64;
/**
 * Nor more: 192 lookups at once reach 3,840 new hosts a second at 50 ms a
 * lookup, 1,920 at 100 ms, about what a child's CPU can open connections at
 * (~2,600 a second on the many-hosts list). libuv would allow 1,024, which
 * at --concurrency 800 cost each child ~8 MiB and ~40 ms to start its pool.
 */
const MAX_THREADS = 256;

/**
 * The libuv thread pool a child running `concurrency` requests at once is
 * started with, unless UV_THREADPOOL_SIZE says otherwise. getaddrinfo() holds
 * a pool thread for as long as the resolver takes (tens of ms for a name it
 * has not cached), and a child lets three quarters of its pool run lookups
 * (lookupSlots in src/http/dns-cache.ts): 4/3 of the concurrency lets every
 * request slot look a name up at once, as curl's threaded resolver does,
 * and leaves the rest for file writes (--save) and zlib. libuv starts the
 * whole pool at its first use, a lookup or a file write (the child is
 * CommonJS so that loading it is not one, see CHILD_ENTRY): ~1.5 MiB and
 * ~10 ms for 256 threads. bench/CHANGELOG.md, entries 21 and 22.
 */
export function childThreadPoolSize(concurrency: number): number {
  return Math.min(MAX_THREADS, Math.max(MIN_THREADS, Math.ceil((concurrency * 4) / 3)));
}
