/**
 * The library: `import { bulkfetch } from 'bulkfetch'`. Only what is exported
 * here is a semver promise; the CLI is a layer over the same engine.
 */
export { bulkfetch, type BulkfetchOptions, type BulkfetchInput, type BulkfetchRun, type RecordInput } from './api.js';
export type { RunOptions, BodyMode, Shard, ErrorLimit, RunProgress } from './run-types.js';
export type { Result } from './wire/result-line.js';
export type { WorkerStats } from './wire/stats.js';
export type { SummaryJson } from './output/summary.js';
export { RecordErrorCode, BulkfetchError, UsageError, OutputError, type BulkfetchErrorCode, type RecordError } from './errors.js';
