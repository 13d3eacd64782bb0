import type { RunOptions } from '../../run-types.js';
import { decideByFlag, decideForFile } from './decide.js';
import { FilePlanner, FixedPlanner, StreamPlanner, type CachePlanner } from './planner.js';
import { OriginPlanner } from './origin-planner.js';
import { isRegularFile } from '../../input/input-size.js';
import { scanFile } from './scan-input.js';

type PlanOptions = Pick<RunOptions, 'cache' | 'input' | 'method' | 'maxLineBytes' | 'shard'> & Partial<Pick<RunOptions, 'protoDefault' | 'save'>>;

/** What the run learned from its input before sending anything. */
export interface InputPlan {
  cache: CachePlanner;
  /** Present when the input was read in full first: tells each record that is its child's last to its origin. */
  origins?: OriginPlanner;
}

/**
 * Decides how the run caches, before its first record is sent: the flag when
 * it says on or off; for auto, a pass over the input when it is a regular file
 * (read a second time by the run), else decisions as the stream goes by.
 */
export async function planCache(options: PlanOptions, procs: number): Promise<CachePlanner> {
  return (await plan(options, procs, false)).cache;
}

/**
 * planCache, and for the run also the origins: the same pass over the file
 * counts each child's records per origin, so a child can close a host's
 * connections after its last request there. Only where that pass runs (--cache
 * auto over a regular file); elsewhere the children judge reuse as it happens.
 */
export async function planInput(options: PlanOptions, procs: number, stop?: AbortSignal, skipLine?: (line: number) => boolean): Promise<InputPlan> {
  return plan(options, procs, true, stop, skipLine);
}

async function plan(options: PlanOptions, procs: number, countOrigins: boolean, stop?: AbortSignal, skipLine?: (line: number) => boolean): Promise<InputPlan> {
  if (options.cache !== 'auto') return { cache: new FixedPlanner(decideByFlag(options.cache)) };
  if (!isRegularFile(options.input)) return { cache: new StreamPlanner() };
  const scan = await scanFile(options.input, {
    method: options.method,
    protoDefault: options.protoDefault,
    maxLineBytes: options.maxLineBytes,
    shard: options.shard,
    saving: options.save !== undefined,
    ...(countOrigins ? { procs } : {}),
    stop,
    skipLine,
  });
  const decision = decideForFile(scan, procs);
  const cache = decision.enabled ? new FilePlanner(scan.sketch, decision) : new FixedPlanner(decision);
  return scan.origins ? { cache, origins: new OriginPlanner(scan.origins) } : { cache };
}
