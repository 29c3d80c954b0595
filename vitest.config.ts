import {defineConfig} from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // Model work runs in child processes; keep vitest's own parallelism modest on 2-core machines.
        maxWorkers: 2,
        testTimeout: 120_000,
        hookTimeout: 120_000,
        reporters: ["default", "./test/helpers/summary-reporter.ts"]
    }
});
