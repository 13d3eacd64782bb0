import { UsageError, describeValue } from '../errors.js';
import { FETCHED_PROTOCOLS } from '../input/allowed-protocols.js';

/**
 * curl's --proto and --proto-redir: which protocols a URL may use, as a list of changes to a set (`=https` for
 * https alone, `-http` to take http away, `+https`, `all`, `-all,https`), applied left to right from every
 * protocol. bulkfetch fetches http and https alone, so the set comes down to those two: curl's other names are
 * taken and change nothing, and anything else is a mistake (`htps`) that would otherwise refuse every record.
 */

/** curl's protocol names beside http and https (curl 7.88's list): taken in a list, and never fetched. */
const CURL_ONLY_PROTOCOLS: ReadonlySet<string> = new Set(['dict', 'file', 'ftp', 'ftps', 'gopher', 'gophers', 'imap', 'imaps', 'ldap', 'ldaps', 'mqtt', 'pop3', 'pop3s', 'rtmp', 'rtmpe', 'rtmps', 'rtmpt', 'rtmpte', 'rtmpts', 'rtsp', 'scp', 'sftp', 'smb', 'smbs', 'smtp', 'smtps', 'telnet', 'tftp', 'ws', 'wss']);

/**
 * A flag's list as the protocols it leaves, comma-separated in FETCHED_PROTOCOLS' order ('' for none). --proto
 * (`emptyAllowed` false) must leave one: a run that could fetch nothing is a mistake in its command line.
 */
export function protocolsFlag(flag: string, { emptyAllowed }: { emptyAllowed: boolean }): (value: string) => string {
  return (value: string): string => {
    let allowed = new Set<string>(FETCHED_PROTOCOLS);
    for (const item of value.split(',')) {
      const token = item.trim();
      if (token === '') continue;
      const modifier = '+-='.includes(token[0] as string) ? (token[0] as string) : '+';
      const name = (modifier === token[0] ? token.slice(1) : token).trim().toLowerCase();
      const names = name === 'all' ? FETCHED_PROTOCOLS : (FETCHED_PROTOCOLS as readonly string[]).includes(name) ? [name] : CURL_ONLY_PROTOCOLS.has(name) ? [] : undefined;
      if (names === undefined) {
        throw new UsageError(`Expected ${flag} to be a list of protocols as curl's (=https, -http, all), got ${describeValue(value)}: ${JSON.stringify(name)} is no protocol`);
      }
      if (modifier === '=') allowed = new Set(names);
      for (const each of names) {
        if (modifier === '-') allowed.delete(each);
        else allowed.add(each);
      }
    }
    const left = FETCHED_PROTOCOLS.filter((each) => allowed.has(each)).join(',');
    if (left === '' && !emptyAllowed) throw new UsageError(`${flag} ${describeValue(value)} leaves no protocol to fetch (bulkfetch fetches http and https)`);
    return left;
  };
}
