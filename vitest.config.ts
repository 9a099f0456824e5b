import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Unit tests sit beside their module; test/ holds the suites that cut across modules.
    include: ['{contract,gguf,validation,generators,plan,cli,service}/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    // Two cores: run files in parallel, but not more workers than cores.
    maxWorkers: 2,
  },
});
