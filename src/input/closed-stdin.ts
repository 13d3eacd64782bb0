/** Set by bin/'s sh line when the run was started with stdin closed (`<&-`). */
const STDIN_CLOSED_ENV = 'BULKFETCH_STDIN_CLOSED';

/**
 * Whether bin/'s sh line found stdin closed. Node opens a closed stdin on /dev/null as it starts: a run that
 * reads its input from stdin read no records and exited 0 (a cron line whose list variable was empty checked
 * nothing and said all was well; curl says "no URL specified", exit 2), and `-d @-` sent an empty body to
 * every URL. `node bin/bulkfetch.js` skips the sh line, and cannot tell a closed stdin from `< /dev/null`.
 */
export function stdinClosedAtLaunch(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[STDIN_CLOSED_ENV] === '1';
}
