import { defineConfig } from 'vitest/config'

// Integration tests start real broker processes and real clients; two cores are shared between
// them, so files run in forked workers with generous timeouts. Three at a time, not two: most of
// a file's time is spent waiting on other processes (a JVM, a broker's election), and the suite
// took 541 s with three against 646 s with two on the same 2-core machine, all passing.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // Fails a file that leaves an open log or a running broker behind (test/helpers/leaks.ts).
    setupFiles: ['test/setup/leak-check.ts'],
    // Brokers that tests start serve no HTTP gateway unless the test asks for one (a flag beats
    // this): each would otherwise bind port 8082, and three test files run at once.
    env: { SAMSA_HTTP_PORT: '0' },
    // After-hooks run in reverse order of registration (vitest's default, relied on): the
    // helpers' afterAll hooks, registered when a file imports them, run after the file's own
    // (which stop its brokers and close its logs), and the leak check's runs last of all.
    sequence: { hooks: 'stack' },
  },
})
