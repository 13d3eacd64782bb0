// A test server in a process of its own, for server code that can take its process down with it. In the vitest
// worker such a crash ends the whole file ("Worker exited unexpectedly"): no test fails, none is retried, and the
// run fails without a word of why. In a process of its own it fails the one test, which says the server died.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface ServerProcess {
  url: string;
  pid: number;
  /** How the server's process ended before close() (a signal or exit code), or null while it runs. */
  readonly died: string | null;
  close(): Promise<void>;
}

/**
 * Forks test/helpers/processes/<name>.mjs, hands it `setup` (its certificate, say) as its first message, and
 * resolves once it sends back the port it listens on (127.0.0.1).
 */
export async function startServerProcess(name: string, setup: object, scheme: 'http' | 'https'): Promise<ServerProcess> {
  const script = fileURLToPath(new URL(`./processes/${name}.mjs`, import.meta.url));
  // No vitest loader or inspector flags: a plain Node process, as a server none of us wrote would be.
  const child = fork(script, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let died: string | null = null;
  let closing = false;
  child.once('exit', (code, signal) => {
    if (!closing) died = signal ?? `exit ${code}`;
  });
  child.send(setup);
  const [ready] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [null])])) as [{ port: number } | null];
  if (ready === null) throw new Error(`test server ${name} ended before it listened (${died})`);
  return {
    url: `${scheme}://127.0.0.1:${ready.port}`,
    pid: child.pid as number,
    get died() {
      return died;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      closing = true;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
