import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';
/** The stop requests a person (or a supervisor) makes with signals. */
export interface SignalStops {
  /** Aborted by the first SIGINT, SIGTERM or SIGHUP: stop gracefully. */
  stop: AbortSignal;
  /** Aborted by a second one: abort what is in flight now. */
  abortNow: AbortSignal;
  /** The first signal received, if any (decides the exit code). */
  readonly received: NodeJS.Signals | undefined;
  /** Removes the handlers (Node's defaults apply again). */
  dispose(): void;
  /**
   * Runs a call that may block the event loop in a system call (opening a FIFO nobody writes or reads,
   * reading a pipe whose writer is slow) with the signals' defaults: a handler would wait for the loop, and
   * Ctrl-C, SIGTERM and `timeout` did nothing until the pipe moved (then the run began anyway). Before
   * anything is sent, dying of the signal is the stop asked for, as curl's. Resolves once the call has run.
   */
  bareWhile<T>(call: () => T): Promise<T>;
}

/**
 * SIGHUP is what a closed terminal or a dropped SSH session sends to the
 * foreground process group. Node's default, to die at once, left the records
 * in flight without a line; it stops the run as SIGTERM does instead.
 */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

let hungUp = false;

/**
 * Ends the process as the SIGHUP it stopped for would have: by that signal, so
 * a shell reports 129. After a terminal closed, Node's own exit would restore
 * the terminal's settings, and on a terminal that is gone (EIO) it aborts with
 * a native stack trace instead (node::ResetStdio); dying of the signal skips
 * that, as it skips whatever an exit would run. Called once all is written;
 * nothing if no SIGHUP came.
 */
export function endAsHungUp(): void {
  if (!hungUp) return;
  // The run's own listener is gone by now (dispose()); any other would keep the signal from ending us.
  process.removeAllListeners('SIGHUP');
  process.kill(process.pid, 'SIGHUP');
}

/** Which of stdin, stdout and stderr were a terminal as the process started: those Node restores as it exits. */
const TERMINAL_AT_START = [0, 1, 2].map((fd) => isatty(fd));

/**
 * Closes stdin, stdout and stderr where they were a terminal, as the process exits: Node's exit puts back the
 * settings each such terminal had as it started (node::ResetStdio), and a descriptor closed is one it skips.
 * bulkfetch never changes them, and what it writes to may: `bulkfetch urls | less` had less's raw mode undone
 * under it as bulkfetch ended (its keys echoed, q waited for Enter), where curl leaves the terminal be. And a
 * terminal that is gone (EIO) made that restore abort with a native stack trace (exit 134): a run started
 * with setsid (or disowned) gets no SIGHUP when its terminal closes, so endAsHungUp's way out is not taken.
 */
export function leaveTerminalAloneAtExit(): void {
  process.once('exit', () => {
    for (const fd of [0, 1, 2]) {
      if (!TERMINAL_AT_START[fd]) continue;
      try {
        closeSync(fd);
      } catch {
        // Closed already: nothing for Node to restore either.
      }
    }
  });
}

/**
 * The same signal again this soon is the same stop, not a second one: GNU timeout sends its SIGTERM to the
 * command and then to its whole process group, and a supervisor may signal the process and its group alike.
 * Taken for "SIGTERM again", the stop aborted everything in flight without its --grace. A person's second
 * Ctrl-C comes later than this.
 */
const SAME_STOP_MS = 100;

/** Listens for SIGINT, SIGTERM and SIGHUP: the first asks for a graceful stop, the second for an abort. */
export function listenForStopSignals(): SignalStops {
  const stop = new AbortController();
  const abortNow = new AbortController();
  let received: NodeJS.Signals | undefined;
  let receivedAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signal === 'SIGHUP') hungUp = true;
    if (received === undefined) {
      received = signal;
      receivedAt = performance.now();
      stop.abort(signal);
    } else if (signal !== received || performance.now() - receivedAt > SAME_STOP_MS) {
      abortNow.abort(signal);
    }
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return {
    stop: stop.signal,
    abortNow: abortNow.signal,
    get received() {
      return received;
    },
    dispose: () => {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    },
    bareWhile: async <T>(call: () => T): Promise<T> => {
      // A signal caught a moment ago waits in libuv's queue for the next poll of the loop; a handle closed before
      // then (the last listener removed) drops it, and that Ctrl-C was lost: the run went on. Two turns of the loop
      // take in what is queued.
      await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      try {
        return call();
      } finally {
        for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
      }
    },
  };
}
