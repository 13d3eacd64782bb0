import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests spawn the CLI, which forks children: on a 2-core
    // machine more than two files at once only makes timings noisy.
    pool: 'forks',
    maxWorkers: 2,
    // A safety net for a test that hangs, not a speed check: the CI machine is shared, and a test that runs the
    // CLI thirty times can take three times as long in the full suite as alone (60 s was passed so).
    testTimeout: 120_000,
    hookTimeout: 30_000,
    // A test that fails runs once more: a real defect fails it both times, and a moment of a shared machine's
    // load (a child started 2 s late, a timer fired behind a hog) does not fail the whole suite. Each test that
    // needed its second run is named, with what it first failed on, at the end (test/helpers/flaky-reporter.ts).
    retry: 1,
    reporters: ['default', './test/helpers/flaky-reporter.ts'],
  },
});
