import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'generators/**/*.test.ts', 'service/**/*.test.ts'],
    testTimeout: 30_000,
    // Two cores: run files in parallel, but not more workers than cores.
    maxWorkers: 2,
  },
});
