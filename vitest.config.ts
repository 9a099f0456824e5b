import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Unit tests sit beside their module; test/ holds the suites that cut across modules.
    include: ['{contract,gguf,validation,generators,plan,cli,service}/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    // Each run in a temp dir of its own; the run fails when a test leaves anything there.
    globalSetup: ['test/setup/temp-dir.ts'],
    setupFiles: ['test/setup/remove-temp.ts'],
    // Two cores: run files in parallel, but not more workers than cores.
    maxWorkers: 2,
  },
});
