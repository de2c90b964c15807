/**
 * Two-phase delete seen from JavaScript: a segment deleted by retention while a Buffer still
 * views it stays as `<name>.log.deleted` and readable; once the Buffer is garbage collected, the
 * file is unlinked. Runs in a child `node --expose-gc` (on the compiled dist/, see
 * helpers/dist.ts) so that the test can force the collection.
 */
import { execFileSync } from 'node:child_process'
import { beforeAll, expect, it } from 'vitest'
import { ensureDistBuilt, repoRoot } from '../helpers/dist.js'
import { makeBatch } from '../helpers/record-batch.js'
import { tempDir } from '../helpers/temp-dir.js'

beforeAll(() => ensureDistBuilt(), 120_000)

const script = `
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { PartitionLog } from './dist/src/storage/index.js'
const [dir, batchHex] = process.argv.slice(1)
const log = await PartitionLog.open(dir, { 'segment.bytes': 4096, 'retention.bytes': 4096 })
for (let i = 0; i < 40; i++) log.appendAsLeader(Buffer.from(batchHex, 'hex'), 0)
let view = log.read(0, 100).toBuffers()[0]
const copy = Buffer.from(view)
const deleted = join(dir, '00000000000000000000.log.deleted')
const removed = await log.deleteOldSegments()
const whileViewed = existsSync(deleted) && view.equals(copy)
view = undefined
let unlinked = false
for (let i = 0; i < 200 && !unlinked; i++) {
  globalThis.gc()
  await new Promise((resolve) => setTimeout(resolve, 10))
  unlinked = !existsSync(deleted)
}
await log.close()
console.log(JSON.stringify({ removed, whileViewed, unlinked }))
`

it('unlinks a deleted segment once the last Buffer viewing it is garbage collected', () => {
  const output = execFileSync(
    process.execPath,
    ['--expose-gc', '--input-type=module', '-e', script, tempDir(), makeBatch({ valueSize: 300 }).toString('hex')],
    { cwd: repoRoot, encoding: 'utf8' },
  )
  const result = JSON.parse(output) as { removed: number; whileViewed: boolean; unlinked: boolean }
  expect(result.removed).toBeGreaterThan(0)
  expect(result.whileViewed).toBe(true)
  expect(result.unlinked).toBe(true)
})
