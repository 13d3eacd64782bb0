/**
 * The Node options a child is forked with: the parent's, less those that
 * would make it run something other than its script. Node hands a fork the
 * parent's execArgv as they are, and `node -e "...bulkfetch(...)..."` has
 * `-e` and its code there: each child ran the caller's code again, which
 * forked children of its own, until the machine had no process ids left.
 * Profiling and --require instrumentation (--cpu-prof, -r) are kept.
 */

/** Options whose value is the next argument, as `-e CODE` is; dropped with it. */
const DROPPED_WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '-pe', '-ep', '--input-type', '--watch-path', '--inspect-port', '--debug-port', '--test-name-pattern', '--test-reporter', '--test-reporter-destination']);

/**
 * Options dropped alone: another program's REPL, syntax check or test runner,
 * a watcher restarting the child, an inspector port every child would take (or wait on, with -brk).
 */
const DROPPED = /^(?:-i|--interactive|-c|--check|--test(?:-[a-z-]+)?|--watch(?:-[a-z-]+)?|--inspect(?:-[a-z-]+)?|--debug(?:-[a-z-]+)?)(?:=.*)?$|^--(?:eval|print|input-type)=/;

export function childExecArgv(parent: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const option = parent[i] as string;
    if (DROPPED_WITH_VALUE.has(option)) i += 1;
    else if (!DROPPED.test(option)) kept.push(option);
  }
  return kept;
}
