// A program's fetch() body given as the input, as README shows it: compiled by api-failures.test.ts with the
// DOM lib, TypeScript's default, where a fetch body's ReadableStream is DOM's type and not node:stream/web's.
import { bulkfetch, type BulkfetchErrorCode, UsageError } from 'bulkfetch';

export async function fromFetchBody(listUrl: string): Promise<void> {
  const response = await fetch(listUrl);
  if (response.body) for await (const result of bulkfetch(response.body)) void result.status;
  bulkfetch(['http://127.0.0.1:1/'], { headers: new Headers({ 'X-A': '1' }) });
  bulkfetch([{ url: 'http://127.0.0.1:1/', headers: new Map([['x-b', '2']]) }]);
  const error = new UsageError('x');
  const usage: 'EUSAGE' = error.code;
  const any: BulkfetchErrorCode = usage;
  void any;
}
