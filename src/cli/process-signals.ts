/** The stop requests a person (or a supervisor) makes with signals. */
export interface SignalStops {
  /** Aborted by the first SIGINT or SIGTERM: stop gracefully. */
  stop: AbortSignal;
  /** Aborted by a second SIGINT or SIGTERM: abort what is in flight now. */
  abortNow: AbortSignal;
  /** The first signal received, if any (decides the exit code). */
  readonly received: NodeJS.Signals | undefined;
  /** Removes the handlers (Node's defaults apply again). */
  dispose(): void;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** Listens for SIGINT and SIGTERM: the first asks for a graceful stop, the second for an abort. */
export function listenForStopSignals(): SignalStops {
  const stop = new AbortController();
  const abortNow = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received === undefined) {
      received = signal;
      stop.abort(signal);
    } else {
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
  };
}
