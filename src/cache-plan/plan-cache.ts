import type { RunOptions } from '../run-types.js';
import { decideByFlag, decideForFile } from './decide.js';
import { FilePlanner, FixedPlanner, StreamPlanner, type CachePlanner } from './planner.js';
import { isRegularFile, scanFile } from './scan-input.js';

/**
 * Decides how the run caches, before its first record is sent: the flag when
 * it says on or off; for auto, a pass over the input when it is a regular file
 * (read a second time by the run), else decisions as the stream goes by.
 */
export async function planCache(options: Pick<RunOptions, 'cache' | 'input' | 'method' | 'maxLineBytes' | 'shard'> & Partial<Pick<RunOptions, 'protoDefault'>>, procs: number): Promise<CachePlanner> {
  if (options.cache !== 'auto') return new FixedPlanner(decideByFlag(options.cache));
  if (!isRegularFile(options.input)) return new StreamPlanner();
  const scan = await scanFile(options.input, { method: options.method, protoDefault: options.protoDefault, maxLineBytes: options.maxLineBytes, shard: options.shard });
  const decision = decideForFile(scan, procs);
  return decision.enabled ? new FilePlanner(scan.sketch, decision) : new FixedPlanner(decision);
}
