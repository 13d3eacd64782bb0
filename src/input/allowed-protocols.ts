/**
 * The protocols a run allows (curl's --proto and --proto-redir, read by options/protocol-flags.ts), written as
 * a comma-separated set of the two bulkfetch fetches: 'http,https', 'https', 'http', or '' for none.
 */

/** The protocols a URL here may use, in the order a set of them is written. */
export const FETCHED_PROTOCOLS = ['http', 'https'] as const;

/** The one scheme a set allows (`https:`), 'none' when it allows neither, undefined when it allows both. */
export function onlyScheme(protocols: string): 'http:' | 'https:' | 'none' | undefined {
  if (protocols === 'http,https') return undefined;
  return protocols === '' ? 'none' : (`${protocols}:` as 'http:' | 'https:');
}

/** The protocols both sets allow: a redirect may use what --proto-redir allows and --proto does not take away, as in curl. */
export function bothAllow(first: string, second: string): string {
  const other = new Set(second.split(','));
  return first.split(',').filter((each) => each !== '' && other.has(each)).join(',');
}
