import type {Reporter, TestCase, TestModule} from "vitest/node";

/**
 * Prints one closing line, `N passed, N failed, N skipped`, which CI reads
 * (vitest's own summary is not read there).
 */
export default class SummaryLineReporter implements Reporter {
    private passed = 0;
    private failed = 0;
    private skipped = 0;

    onTestCaseResult(testCase: TestCase): void {
        const state = testCase.result().state;
        if (state === "passed") this.passed++;
        else if (state === "failed") this.failed++;
        else this.skipped++;
    }

    onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
        // A file that fails to load has no test cases: count it as a failure so it cannot pass silently.
        const brokenFiles = testModules.filter((module) => module.state() === "failed" && ![...module.children.allTests()].length).length;
        this.failed += brokenFiles;
        process.stdout.write(`\n${this.passed} passed, ${this.failed} failed, ${this.skipped} skipped\n`);
    }
}
