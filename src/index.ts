export { runJob, type RunSummary, type RunContext } from './run.js';
export { OPTION_TABLE, defaultRunOptions, type RunOptions, type BodyMode } from './options.js';
export type { Result } from './output/result.js';
export type { RequestSpec } from './input/request-spec.js';
export { RecordErrorCode, BulkfetchError, UsageError, OutputError, type RecordError } from './errors.js';
export { parseRecord } from './input/parse-record.js';
export { requestKey, hashKey, bucketOf } from './input/request-key.js';
