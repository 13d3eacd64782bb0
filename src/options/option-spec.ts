/**
 * What one row of the option table says about a flag, and how --help and the
 * README show it. The rows themselves are in option-table.ts.
 */
import type { RunOptions } from '../run-types.js';

/**
 * One row of the option table: the only place an option is described. It drives
 * commander, --help, the README's options section, the defaults a library
 * caller gets, and the checks on a library caller's values.
 */
export interface OptionSpec {
  flags: string;
  /** The RunOptions field this flag sets; absent for CLI-only flags (-o, --summary, --quiet ...). */
  runOption?: keyof RunOptions;
  description: string;
  /** The field's value when the flag is absent (CLI and library alike). */
  defaultValue?: unknown;
  /** How --help and the README show the default when it is computed or implied (e.g. the CPU count). */
  defaultDescription?: string;
  parse?: (value: string, previous: unknown) => unknown;
  /**
   * curl's name for the same flag ('-m, --max-time <duration>'), where it differs:
   * accepted with the same value and parse, shown in the flag's description.
   */
  curlName?: string;
  /**
   * Checks a library caller's value for this field and returns it normalized.
   * Absent: numbers and strings go through `parse` as their text would.
   */
  check?: (value: unknown) => unknown;
}

/** A row's description as --help and the README show it: with curl's name for the flag, where it has one. */
export function describeOption(spec: OptionSpec): string {
  return spec.curlName === undefined ? spec.description : `${spec.description} (curl: ${spec.curlName.replace(/\s*<.*>$/, '')})`;
}

/** The default a row shows in --help and the README: computed ones by description, objects and booleans not at all. */
export function shownDefault(spec: OptionSpec): string | number | undefined {
  if (spec.defaultDescription !== undefined) return spec.defaultDescription;
  const value = spec.defaultValue;
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}
