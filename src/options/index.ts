/**
 * The options: one table describes every flag (option-table.ts), and
 * run-options.ts reads RunOptions off it for the CLI and the library alike.
 * The parsers of each kind of flag live beside them, one file a concern.
 */
export { OPTION_TABLE } from './option-table.js';
export { describeOption, shownDefault, type OptionSpec } from './option-spec.js';
export { defaultRunOptions, resolveRunOptions, runOptionsFromFlags } from './run-options.js';
export { flagThatReadStdin } from './flag-files.js';
export { positiveInteger } from './value-parsers.js';
