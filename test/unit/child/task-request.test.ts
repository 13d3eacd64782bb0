import { describe, expect, it } from 'vitest';
import { taskRequest } from '../../../src/child/task-request.js';
import type { Task, WorkerConfig } from '../../../src/wire/messages.js';

/** The config fields taskRequest reads; the rest of a child's config does not matter here. */
function config(fields: Partial<WorkerConfig>): WorkerConfig {
  return { headers: {}, ...fields } as WorkerConfig;
}

const task = (fields: Partial<Task>): Task => ({ line: 1, method: 'GET', url: 'http://h/a', ...fields });

describe('taskRequest', () => {
  it("puts a spec's headers over the flags' and lets its null remove one", () => {
    const flags = config({ headers: { accept: '*/*', 'user-agent': 'bulkfetch', 'x-a': 'flag' } });
    const request = taskRequest(task({ headers: { 'x-a': 'spec', 'user-agent': null } }), flags, undefined);
    expect(request.headers).toEqual({ accept: '*/*', 'x-a': 'spec' });
    // The flags' object is shared by every record: a spec's headers never change it.
    expect(flags.headers).toEqual({ accept: '*/*', 'user-agent': 'bulkfetch', 'x-a': 'flag' });
  });

  it("sends -d's body unless the spec has its own, in text or base64", () => {
    expect(taskRequest(task({}), config({}), 'a=1').body).toBe('a=1');
    expect(taskRequest(task({ body: 'own' }), config({}), 'a=1').body).toBe('own');
    expect(taskRequest(task({ body: Buffer.from([0xe9, 0]).toString('base64'), bodyEncoding: 'base64' }), config({}), 'a=1').body).toEqual(Buffer.from([0xe9, 0]));
  });

  it("sends no -d body, nor the type it implied, with a HEAD spec (curl refuses -I with -d)", () => {
    const data = config({ headers: { 'content-type': 'application/x-www-form-urlencoded', accept: '*/*' }, ownBodyHeaders: { accept: '*/*' } });
    expect(taskRequest(task({ method: 'HEAD' }), data, 'a=1')).toMatchObject({ body: undefined, headers: { accept: '*/*' } });
    expect(taskRequest(task({ method: 'POST' }), data, 'a=1')).toMatchObject({ body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  });

  it("appends -T's file name, encoded, to a URL whose path ends in /, as curl does", () => {
    const upload = config({ uploadName: 'my file.txt' });
    expect(taskRequest(task({ url: 'http://h/dir/?q=1' }), upload, undefined).url).toBe('http://h/dir/my%20file.txt?q=1');
    expect(taskRequest(task({ url: 'http://h/dir/name' }), upload, undefined).url).toBe('http://h/dir/name');
  });

  it("joins -G's query to the URL's own, before its fragment", () => {
    const get = config({ query: 'b=2' });
    expect(taskRequest(task({ url: 'http://h/a' }), get, undefined).url).toBe('http://h/a?b=2');
    expect(taskRequest(task({ url: 'http://h/a?x=1#top' }), get, undefined).url).toBe('http://h/a?x=1&b=2#top');
    expect(taskRequest(task({ url: 'http://h/a?' }), get, undefined).url).toBe('http://h/a?b=2');
    expect(taskRequest(task({ url: 'http://h/a?x=1&' }), get, undefined).url).toBe('http://h/a?x=1&b=2');
    // As curl 7.88: the query is what follows the first ?, here "?", which the data joins with &.
    expect(taskRequest(task({ url: 'http://h/a??' }), get, undefined).url).toBe('http://h/a??&b=2');
    // Empty data (-G -d '') adds no ? where the URL has no query.
    expect(taskRequest(task({ url: 'http://h/a' }), config({ query: '' }), undefined).url).toBe('http://h/a');
  });
});
