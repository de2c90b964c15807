/**
 * Runs the micro benchmarks: every `*.bench.js` under dist/bench/micro (this file's directory once
 * compiled), each in its own Node process so one benchmark's heap, threads and JIT state cannot
 * skew the next. Arguments filter by substring of the path: `npm run bench:micro -- codecs`.
 * Each bench file runs itself when executed and checks its results before timing.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(fileURLToPath(import.meta.url))

function benchFiles(dir: string): string[] {
  const files: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) files.push(...benchFiles(path))
    else if (entry.name.endsWith('.bench.js')) files.push(path)
  }
  return files.sort()
}

const filters = process.argv.slice(2)
const selected = benchFiles(root).filter((file) => filters.every((filter) => relative(root, file).includes(filter)))
if (selected.length === 0) {
  console.error(`No benchmark matches ${filters.join(' ')} under ${root}. Did you run \`npm run build\`?`)
  process.exit(1)
}
let failed = 0
for (const file of selected) {
  console.log(`\n# ${relative(root, file)}`)
  const result = spawnSync(process.execPath, ['--expose-gc', file], { stdio: 'inherit' })
  if (result.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
