/**
 * Child process entry: reads its config and then request specs on stdin, writes
 * result lines on fd 1, reports counters over IPC. Forked by the pool (or as the
 * spare, before the parent knows the config); never run by hand.
 */
// First, before the modules below load: a Ctrl-C meanwhile must not kill the child.
import './ignore-stop-signals.js';
import { setMaxListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { Socket } from 'node:net';
import { createDispatcher, type TransportOptions } from '../http/agent.js';
import { lookupsUnderway } from '../http/dns-cache.js';
import { Http2Fallback } from '../http/http2-fallback.js';
import { descriptorsPerConnection, SocketBudget } from '../http/socket-budget.js';
import { useLeanAsyncBind } from '../http/lean-async-bind.js';
import { raiseH2HeaderPairLimit } from '../http/h2-header-pairs.js';
import { usePriorityDefaults } from '../http/h2-priority-defaults.js';
import { originOf } from '../input/host-of.js';
import type { ChildMessage, ParentMessage, Task, WorkerConfig } from '../wire/messages.js';
import { RequestLoop, type Answer } from './request-loop.js';
import { AdaptiveGate } from './adaptive-gate.js';
import { GateClient } from './gate-client.js';
import { LineBatcher } from './line-batcher.js';
import { BoundedOutput } from './bounded-output.js';
import { StartAnnouncer } from './start-announcer.js';
import { StatsCollector } from '../wire/stats-collector.js';
import { TallyPacer, encodeTallyLine } from '../wire/tally-line.js';
import Queue from './unlinking-queue.js';
import { CHILD_EXTRA_CA_ENV } from '../wire/child-env.js';
import { removeOwnPartialsNow } from '../http/body-file.js';
import { attemptsMade } from '../http/attempts-made.js';
import { preferAsOomVictim } from './oom-victim.js';
import { escapeTerminalControls, terminalSafe } from '../wire/terminal-safe.js';

/**
 * Result bytes written and not yet read by the parent above which no waiting
 * record starts. A consumer that keeps up never lets this much queue; a slow
 * one does, and each queued line may hold a body of up to --max-body: at 1 MiB
 * bodies the window alone let a child hold some 230 of them at --concurrency
 * 50, 830 at 200.
 */
const QUEUED_OUTPUT_BYTES = 8 * 1024 * 1024;

/** The child's machinery, built when its config (the first line on stdin) comes. */
function start(config: WorkerConfig) {
  // Before undici's first connection compiles its wasm parser (see PoolOptions.quickStart):
  // V8 reads the flag at each compile, so setting it now works as the command-line flag does.
  if (config.liftoffOnly) setFlagsFromString('--liftoff-only');
  escapeTerminalControls(config.terminalSafe === true);
  // Without --http2 too: a TLS server that refuses HTTP/1.1 is asked again over HTTP/2. First: usePriorityDefaults wraps it in turn.
  raiseH2HeaderPairLimit();
  // Each HTTP/2 stream node:http2 starts pays for a deprecated accessor and a slow copy otherwise (see there).
  if (config.http2) {
    useLeanAsyncBind();
    usePriorityDefaults();
  }
  // However the child leaves with bodies still being written (its parent gone, killed outright: the
  // 'disconnect' below, or a write to its pipe that failed), no partial --save file stays behind. The
  // parent removes those of a child that died, but a parent killed outright is not there to.
  const saveDir = config.save;
  if (saveDir !== undefined) process.once('exit', () => removeOwnPartialsNow(saveDir));
  const shutdown = new AbortController();
  // Every retry waiting out its delay listens on this one signal.
  setMaxListeners(0, shutdown.signal);
  const budget = new SocketBudget(config.concurrency, undefined, { lastUseMarked: config.lastUseMarked, perConnection: descriptorsPerConnection(config.save !== undefined) });
  const transport: TransportOptions = {
    concurrency: config.concurrency,
    connectTimeout: config.connectTimeout,
    insecure: config.insecure,
    // PEM text the parent read once, from files it checked before the run (usage error otherwise).
    ca: config.caPem,
    cert: config.certPem,
    key: config.keyPem,
    proxy: config.proxy,
    noProxy: config.noProxy,
    http2: config.http2,
    connectTo: config.connectTo,
    resolve: config.resolve,
    ...(config.ipv4Only ? { family: 4 as const } : config.ipv6Only ? { family: 6 as const } : {}),
    budget,
    extraCaFile: process.env[CHILD_EXTRA_CA_ENV],
  };
  const http1 = createDispatcher(transport);
  // Neither --http2 nor --http1.1: an origin that turns HTTP/1.1 away is asked with h2 offered (see there).
  const fallback = config.http2 || config.http1Only ? undefined : new Http2Fallback(http1, () => createDispatcher({ ...transport, http2: true }));
  const agent = fallback ?? http1;
  // With a limit flag every attempt asks the parent; without, only attempts to
  // hosts that have answered 429/503 do (the others cost no IPC at all).
  const gateClient = new GateClient(send, shutdown.signal);
  const adaptiveGate = config.limited ? undefined : new AdaptiveGate(gateClient);
  if (config.slowedHosts) adaptiveGate?.slowDown(config.slowedHosts);
  const starts = new StartAnnouncer((lines, written) => {
    if (process.connected && process.send) process.send({ type: 'started', lines } satisfies ChildMessage, () => written());
    else written();
  });
  // process.stdout on a pipe is synchronous on Linux: a slow parent would block
  // this event loop and stall every request in flight. An async socket on fd 1
  // queues instead, and the parent's window bounds how much can queue.
  const out = new Socket({ fd: 1, readable: false, writable: true });
  const output = new BoundedOutput(out);
  // The loop's lines are raw (rawResultLine): a batch is made terminal-safe as a whole, in one scan.
  const results = new LineBatcher((text) => output.write(terminalSafe(text)));
  // Lines the parent has not read yet (a slow consumer downstream holds it back) stop new records from
  // starting (see LoopHooks.outputFlows): the window bounds them in records, this in bytes.
  // One wait for every record held while lines back up (a listener each would be hundreds).
  let drained: Promise<void> | undefined;
  let releaseHeld = (): void => {};
  const outputFlows = (): Promise<void> | undefined => {
    // The loop asks only before a record begins, never after a stop; after an abort nothing may wait.
    if (shutdown.signal.aborted) return undefined;
    // Records held already go first, even once the lines fell under the bound before 'drain': a repeat that
    // passed its held earlier use, the last one, dropped the cached answer that earlier use then fetched again.
    if (drained !== undefined) return drained;
    if (output.queuedBytes < QUEUED_OUTPUT_BYTES) return undefined;
    // Closed (the parent gone) counts too: the run ends either way, and the wait must not reject.
    drained ??= new Promise<void>((resolve) => {
      releaseHeld = (): void => {
        out.off('drain', releaseHeld).off('close', releaseHeld);
        drained = undefined;
        resolve();
      };
      out.once('drain', releaseHeld).once('close', releaseHeld);
    });
    return drained;
  };

  // Under a low `ulimit -n` the budget holds fewer connections than --concurrency: requests past them waited for one
  // inside their attempts, --timeout running, and a server that answered all in 2 s saw 39 % of them ETIMEDOUT, each
  // counted three attempts that never went out. They wait as records instead. (HTTP/2 carries many on one connection.)
  const slots = config.http2 ? config.concurrency : Math.min(config.concurrency, budget.max);
  const loop = new RequestLoop(slots === config.concurrency ? config : { ...config, concurrency: slots }, agent, shutdown.signal, adaptiveGate ?? gateClient, {
    announce: (line) => starts.announce(line),
    relieve: () => budget.relieve(),
    ...(fallback ? { http2Fallback: fallback } : {}),
    outputFlows,
  });
  const stats = new StatsCollector();
  // Counters among the result lines, so that a parent can count this child's lines should it die (see there).
  const tallies = new TallyPacer();

  // Records received but not answered; `waiting` are those not yet handed to
  // the loop, in order (the parent's window bounds them: 4 x concurrency + 32).
  // A linked queue, not an array: V8's shift() trims an array's start when it
  // may, but moves every element when it may not (while a full GC is marking,
  // for one). With 6,432 waiting (--concurrency 1600) a profile charged 3.6 µs
  // a record to it (bench/CHANGELOG.md, entry 27).
  let inFlight = 0;
  const waiting = new Queue<Task>();
  let inputEnded = false;

  function handleTask(task: Task): void {
    inFlight += 1;
    // Sent by the parent before its stop reached us (stdin and IPC are two channels).
    if (loop.stopped) return answer(task, loop.unsent(task));
    // A repeat is looked up as it arrives, so that it can join its first's flight.
    if (loop.usesCache(task)) return handOver(task);
    waiting.enqueue(task);
    startWaiting();
  }

  function startWaiting(): void {
    while (waiting.size > 0 && loop.ready) handOver(waiting.dequeue() as Task);
  }

  /** Gives a record to the loop; its answer goes out, and a waiting record may follow it. */
  function handOver(task: Task): void {
    void loop.handle(task).then((done) => answer(task, done));
  }

  function answer(task: Task, { line, result }: Answer): void {
    // This child sends nothing more to that origin: its connections need not wait for the keep-alive timeout.
    if (task.last !== undefined) budget.retire(originOf(task.url));
    stats.count(result);
    results.push(line);
    if (tallies.due(line)) results.push(encodeTallyLine(stats.snapshot(true, loop.cacheCounters, attemptsMade())));
    inFlight -= 1;
    startWaiting();
    if (inputEnded && inFlight === 0) finish();
  }

  /** The parent's graceful stop: records waiting here are answered ENOTSENT now; those in flight go on, for graceMs. */
  function stop(graceMs: number): void {
    loop.stop(graceMs);
    // Records held for the output to drain were not sent: they are answered ENOTSENT now, not when it drains.
    releaseHeld();
    while (waiting.size > 0) {
      const task = waiting.dequeue() as Task;
      answer(task, loop.unsent(task));
    }
  }

  let finished = false;
  function finish(): void {
    if (finished) return;
    finished = true;
    results.flush();
    // Told at once, over IPC, which its lines (behind a slow reader) may take long to follow: the parent then
    // does not take it for stuck when an abort's deadline comes (see WorkerPool.killUnanswering).
    send({ type: 'answered' });
    output.whenHandedOver(() => out.end(() => {
      // Every record is answered and its line handed over: once the final report is written, nothing is left
      // that the run waits for, and the child exits. The kernel closes its connections as it ends, as destroying
      // the agent would; undici's destroy cost 70-90 ms of the child's time at 800 connections, at the end of
      // every run (bench/CHANGELOG.md entry 99). A connect no record wants any more (a TLS handshake its
      // attempt's --timeout gave up on) would otherwise run on in undici to --connect-timeout.
      send({ type: 'stats', final: true, stats: stats.snapshot(true, loop.cacheCounters, attemptsMade()) }, exitNow);
    }));
  }

  function onMessage(message: ParentMessage): void {
    if (message.type === 'abort') {
      shutdown.abort();
      releaseHeld();
    } else if (message.type === 'stop') stop(message.graceMs);
    // After the final report, a late snapshot would be counted twice.
    else if (message.type === 'stats?' && !finished) send({ type: 'stats', final: false, stats: stats.snapshot(false, loop.cacheCounters, attemptsMade()) });
    else if (message.type === 'grant') gateClient.granted(message.ids, message.at);
    else if (message.type === 'slow-down') adaptiveGate?.slowDown(message.hosts);
  }

  function endOfInput(): void {
    inputEnded = true;
    if (inFlight === 0) finish();
  }

  return { handleTask, endOfInput, onMessage, finished: () => finished };
}

/** Sends the parent a message; `then` runs once it is written to the channel (at once, with no parent to send it to). */
function send(message: ChildMessage, then?: () => void): void {
  if (process.connected && process.send) process.send(message, undefined, undefined, then);
  else then?.();
}

/**
 * Exits a child that has answered every record and reported. With a name lookup still under way, by SIGKILL:
 * process.exit() waits for it (libuv joins its thread pool as the process ends, and getaddrinfo cannot be
 * called off), and the run ended 9 s after its last line behind names the resolver sat on. The parent takes
 * a child's end after its final report as its end, however it came (WorkerPool's #onClosed).
 */
function exitNow(): void {
  if (lookupsUnderway()) process.kill(process.pid, 'SIGKILL');
  else process.exit(0);
}

let child: ReturnType<typeof start> | undefined;
// stdin and IPC are two channels: a message (an abort) may overtake the config it follows.
const early: ParentMessage[] = [];

function takeLine(line: string): void {
  if (child) {
    child.handleTask(JSON.parse(line) as Task);
  } else {
    child = start(JSON.parse(line) as WorkerConfig);
    for (const message of early.splice(0)) child.onMessage(message);
  }
}

/** Reads the config and the records from stdin, once the parent has been told that this code runs. */
function readStdin(): void {
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', takeChunk);
  process.stdin.on('end', () => {
    // No config came: a spare the parent did not need (or a parent that is gone).
    if (!child) process.exit(0);
    child.endOfInput();
  });
}

// The start of a line whose end has not come, joined once when it does: a config line carries -d's body
// (megabytes, six times that in JSON escapes), and searching it all again at each chunk cost its length squared.
let partial: string[] = [];
function takeChunk(chunk: string): void {
  let nl = chunk.indexOf('\n');
  if (nl === -1) {
    partial.push(chunk);
    return;
  }
  takeLine(partial.length > 0 ? partial.join('') + chunk.slice(0, nl) : chunk.slice(0, nl));
  partial = [];
  let from = nl + 1;
  for (nl = chunk.indexOf('\n', from); nl !== -1; nl = chunk.indexOf('\n', from)) {
    takeLine(chunk.slice(from, nl));
    from = nl + 1;
  }
  if (from < chunk.length) partial.push(chunk.slice(from));
}

// The parent's first word from us, and written before any record is read: a child that ends without it (Node
// aborting as it starts under ulimit -u, or hanging there) sent nothing, and its records go to another one
// rather than through crash triage (parent/fork-child.ts, hasRun). Run by hand, without a parent: at once.
preferAsOomVictim();
if (process.send) process.send({ type: 'running' } satisfies ChildMessage, readStdin);
else readStdin();

process.on('message', (message: ParentMessage) => {
  if (child) child.onMessage(message);
  else early.push(message);
});

// The parent is gone (even SIGKILLed): nobody will read our results. Exit now
// rather than fetch for no one.
process.on('disconnect', () => {
  if (!child?.finished()) process.exit(0);
});
