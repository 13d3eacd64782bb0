/** The library: `import { bulkfetch } from 'bulkfetch'`. The CLI is a layer over the same runJob(). */
export { bulkfetch, type BulkfetchOptions, type BulkfetchInput, type BulkfetchRun, type RecordInput } from './api.js';
export { runJob, type RunSummary, type RunContext, type RunProgress } from './run.js';
export { OPTION_TABLE, defaultRunOptions, resolveRunOptions, type RunOptions, type BodyMode, type Shard } from './options.js';
export type { Result } from './output/result.js';
export { toSummaryJson, formatSummary, type SummaryJson } from './output/summary.js';
export type { RequestSpec } from './input/request-spec.js';
export { RecordErrorCode, BulkfetchError, UsageError, OutputError, type RecordError } from './errors.js';
export { parseRecord } from './input/parse-record.js';
export { requestKey, hashKey, bucketOf, childOf } from './input/request-key.js';
export { analyzeInput, type AnalyzeOptions, type InputProfile } from './analyze/analyze-input.js';
export { adviseOn, type Advice } from './analyze/advice.js';
export { LatencyHistogram, type HistogramData } from './stats/latency-histogram.js';
