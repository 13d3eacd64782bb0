/**
 * An HTTP-date (RFC 9110 5.6.7) as ms since the epoch, or undefined. All three
 * forms a recipient must take are GMT: the preferred IMF-fixdate
 * (`Sun, 06 Nov 1994 08:49:37 GMT`) and the obsolete RFC 850
 * (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`)
 * forms. Date.parse read the asctime form, which names no zone, in the local
 * time zone, and took strings that are no HTTP-date at all. Lenient only where
 * servers are seen to be: letter case, a one-digit day, `UTC` for `GMT`.
 */
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^[a-z]{3}, (\\d{1,2}) ([a-z]{3}) (\\d{4}) ${TIME} (?:GMT|UTC)$`, 'i');
const RFC_850 = new RegExp(`^[a-z]{6,9}, (\\d{1,2})-([a-z]{3})-(\\d{2}) ${TIME} (?:GMT|UTC)$`, 'i');
const ASCTIME = new RegExp(`^[a-z]{3} ([a-z]{3}) +(\\d{1,2}) ${TIME} (\\d{4})$`, 'i');

export function parseHttpDate(text: string, now: number = Date.now()): number | undefined {
  let match = IMF_FIXDATE.exec(text);
  if (match) return utc(match[3], match[2], match[1], match[4], match[5], match[6]);
  match = ASCTIME.exec(text);
  if (match) return utc(match[6], match[1], match[2], match[3], match[4], match[5]);
  match = RFC_850.exec(text);
  if (!match) return undefined;
  // A two-digit year more than 50 years ahead is the last such year in the past (RFC 9110 5.6.7).
  const thisYear = new Date(now).getUTCFullYear();
  let year = thisYear - (thisYear % 100) + Number(match[3]);
  if (year > thisYear + 50) year -= 100;
  return utc(String(year), match[2], match[1], match[4], match[5], match[6]);
}

function utc(year?: string, month?: string, day?: string, hours?: string, minutes?: string, seconds?: string): number | undefined {
  const monthIndex = MONTHS.indexOf(String(month).toLowerCase());
  const [d, h, m, s] = [day, hours, minutes, seconds].map(Number) as [number, number, number, number];
  if (monthIndex === -1 || d < 1 || d > 31 || h > 23 || m > 59 || s > 60) return undefined;
  const time = Date.UTC(Number(year), monthIndex, d, h, m, Math.min(s, 59));
  // A day the month lacks (31 Feb) would roll into the next month.
  return new Date(time).getUTCDate() === d ? time : undefined;
}
