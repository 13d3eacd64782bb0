// Names every test that failed and then passed when run again, with what it failed on, at the end of the
// run (stderr). A retry keeps one slow moment on a shared CI machine from failing the whole suite; this keeps
// each such moment in the log, to be mended as a flake rather than forgotten.
import type { Reporter, TestCase } from 'vitest/node';

export default class FlakyReporter implements Reporter {
  readonly #flaky: string[] = [];

  onTestCaseResult(testCase: TestCase): void {
    const result = testCase.result();
    if (result.state !== 'passed' || !testCase.diagnostic()?.flaky) return;
    const failures = (result.errors ?? []).map((error) => `    ${(error.message ?? String(error)).split('\n')[0]}`);
    this.#flaky.push([`  ${testCase.module.moduleId.replace(`${process.cwd()}/`, '')} > ${testCase.fullName}`, ...failures].join('\n'));
  }

  onTestRunEnd(): void {
    if (this.#flaky.length === 0) return;
    process.stderr.write(`\nFLAKY: ${this.#flaky.length} test(s) failed, then passed when run again:\n${this.#flaky.join('\n')}\n\n`);
  }
}
