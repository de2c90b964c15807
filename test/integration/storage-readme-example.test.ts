/**
 * The README's embedding example must really run: this extracts the block between the
 * readme-example markers and runs it with plain `node` from inside the package, where the
 * `samsa/log` self-reference resolves to the compiled dist/src/storage/index.js.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, expect, it } from 'vitest'
import { ensureDistBuilt, repoRoot } from '../helpers/dist.js'
import { tempDir } from '../helpers/temp-dir.js'

beforeAll(() => ensureDistBuilt(), 120_000)

it('runs the embedding example from the README', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
  const block = /<!-- readme-example:start -->\s*```js\n([\s\S]*?)```\s*<!-- readme-example:end -->/.exec(readme)
  expect(block, 'README has the example block').not.toBeNull()
  const lines = block![1]!.trim().split('\n')
  expect(lines.length).toBeLessThanOrEqual(12)
  const script = join(repoRoot, 'dist', 'readme-example.test-run.mjs')
  writeFileSync(script, block![1]!)
  try {
    // The example makes its log directory under the temporary directory: give it one we remove.
    const env = { ...process.env, TMPDIR: tempDir('samsa-readme-example-') }
    const output = execFileSync(process.execPath, [script], { cwd: repoRoot, encoding: 'utf8', env })
    expect(output.trim()).toBe('0 hello')
  } finally {
    rmSync(script, { force: true })
  }
})
