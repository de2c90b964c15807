/**
 * Runs in every test file (test/vitest.config.ts setupFiles): fails the file if it left an open
 * PartitionLog, a running broker process or an in-process broker behind. Registered before the
 * file's own hooks, so with sequence.hooks 'stack' it runs after all of them, including the
 * helpers' afterAll that stop brokers and remove directories.
 */
import { afterAll } from 'vitest'
import { failOnLeaks } from '../helpers/leaks.js'

afterAll(failOnLeaks)
