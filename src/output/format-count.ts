/**
 * `x.toLocaleString('en-US')`, digits grouped by commas ("1,234,567"), without
 * ICU: the first toLocaleString call of a process loads its number formatter,
 * about 12 ms, and the parent formats the cache decision before it forks its
 * first child, and the summary after the last one exits (a 1-URL run, issue 15).
 * A number whose shortest decimal form has more than 3 fraction digits, an
 * exponent or a sign of zero takes the ICU path, so the text is the same for all.
 */
export function formatCount(x: number): string {
  const text = String(x);
  const plain = /^(-?)(\d+)(\.\d{1,3})?$/.exec(text);
  if (!plain || Object.is(x, -0)) return x.toLocaleString('en-US');
  const [, sign = '', whole = '', fraction = ''] = plain;
  return sign + whole.replace(/\B(?=(\d{3})+$)/g, ',') + fraction;
}
