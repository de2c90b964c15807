/**
 * Summarises a V8 CPU profile (the `.cpuprofile` that `node --cpu-prof` writes, e.g. from
 * `npm run bench:broker -- --cpu-prof <dir>`): the functions with the most self time, and the
 * share of samples in native code, garbage collection and idle.
 *
 *   node dist/bench/broker/cpu-profile-summary.js <file.cpuprofile> [--top 25]
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { functionName: string; url: string; lineNumber: number }
  readonly children?: number[]
}

interface Profile {
  readonly nodes: ProfileNode[]
  readonly samples: number[]
  readonly timeDeltas: number[]
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } })
if (positionals.length !== 1) {
  console.error('usage: cpu-profile-summary <file.cpuprofile> [--top N]')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const selfMicros = new Map<number, number>()
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
}

const byFunction = new Map<string, number>()
let total = 0
for (const [id, micros] of selfMicros) {
  const frame = byId.get(id)!.callFrame
  const file = frame.url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^file:\/\//, '')
  const name = `${frame.functionName || '(anonymous)'} ${file}${file === '' ? '' : `:${frame.lineNumber + 1}`}`
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros)
  total += micros
}
const busy = total - (byFunction.get('(idle) ') ?? 0)
console.log(`${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (not idle)`)
byFunction.delete('(idle) ')
const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))
for (const [name, micros] of rows) {
  console.log(`${((100 * micros) / busy).toFixed(1).padStart(5)}%  ${(micros / 1e3).toFixed(0).padStart(6)} ms  ${name}`)
}
