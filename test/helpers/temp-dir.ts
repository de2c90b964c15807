/**
 * Test helper: a fresh temporary directory, removed once nothing uses it any more.
 *
 * Made inside a test (or its beforeEach), it is removed by an onTestFinished callback, which
 * vitest runs after the test's afterEach hooks and beforeEach cleanups: the test's own closers
 * have run by then. Made outside a test (beforeAll, a describe body), it is removed after the
 * file's other afterAll hooks (this module registers its afterAll when first imported, before
 * the file's, and sequence.hooks 'stack' runs afterAll hooks in reverse).
 *
 * A PartitionLog still open in the directory at that point is a leak: it is closed first (its
 * background flush could otherwise create files while the directory is removed, the ENOTEMPTY
 * of issue 17) and the test fails naming it. A removal that still fails names what was left.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import { afterAll, onTestFinished } from 'vitest'
import { openLogs, unregister } from '../../src/storage/open-logs.js'

const madeOutsideTests: string[] = []

afterAll(async () => {
  await removeTempDirs(madeOutsideTests.splice(0))
})

export function tempDir(prefix = 'samsa-storage-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  try {
    onTestFinished(() => removeTempDirs([dir]))
  } catch {
    // Not inside a test: vitest refuses onTestFinished there.
    madeOutsideTests.push(dir)
  }
  return dir
}

/**
 * Closes the logs still open in `dirs` and removes the directories; throws one error naming
 * every leaked log and every directory that could not be removed (with what was left in it).
 */
export async function removeTempDirs(dirs: readonly string[], remove = removeDir): Promise<void> {
  const inside = (path: string): boolean => dirs.some((dir) => path === dir || path.startsWith(dir + sep))
  const leaked = openLogs().filter(({ dir }) => inside(dir))
  await Promise.allSettled(leaked.map(({ log }) => log?.close()))
  for (const { token } of leaked) unregister(token)
  const problems = leaked.map(({ dir, log }) =>
    log === undefined
      ? `PartitionLog on ${dir} dropped without close (close it in the test, awaited)`
      : `PartitionLog left open on ${dir} (closed now; close it in the test, awaited)`,
  )
  for (const dir of dirs) {
    try {
      remove(dir)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error)
      problems.push(`could not remove ${dir} (${code}); left in it: ${describeContents(dir)}`)
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'))
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/** The files and directories under `dir`, relative to it, at most 20 named. */
export function describeContents(dir: string): string {
  let entries: string[]
  try {
    entries = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  } catch (error) {
    return `(cannot list: ${(error as NodeJS.ErrnoException).code ?? String(error)})`
  }
  if (entries.length === 0) return '(nothing: emptied after the failure)'
  entries.sort()
  const more = entries.length > 20 ? ` and ${entries.length - 20} more` : ''
  return entries.slice(0, 20).join(', ') + more
}
