import { defineConfig } from 'vitest/config'

// Integration tests start real broker processes and real clients; two cores are shared between
// them, so files run in forked workers, two at a time, with generous timeouts.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
  },
})
