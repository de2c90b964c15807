/**
 * Samsa as another project's dependency: the package is packed (`npm pack`), installed from the
 * tarball into a scratch project outside the checkout together with kafkajs, vitest and jest
 * from the npm registry, and the scratch project's own tests run there
 * (test/fixtures/package-consumer: an ES module vitest file, a CommonJS jest file run with
 * --detectOpenHandles, and plain node scripts that must exit by themselves). The addon's binary
 * and the worker threads must be found inside node_modules/samsa, since nothing of the checkout
 * is reachable from the scratch directory.
 *
 * The README's library examples (the blocks between `<!-- library-example:<file> -->` and
 * `<!-- library-example:end -->`) run there too, as the files they name.
 *
 * One scratch install serves every test of this file (it is the slow part: ~10-30 s, network).
 */
import { execFile } from 'node:child_process'
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureDistBuilt, repoRoot } from '../helpers/dist.js'
import { tempDir } from '../helpers/temp-dir.js'

const run = promisify(execFile)
const fixtures = join(repoRoot, 'test', 'fixtures', 'package-consumer')

/** The README's library examples: file name → code. */
function readmeExamples(): Map<string, string> {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
  const examples = new Map<string, string>()
  for (const match of readme.matchAll(/<!-- library-example:([\w.-]+) -->\s*```js\n([\s\S]*?)```\s*<!-- library-example:end -->/g)) {
    examples.set(match[1]!, match[2]!)
  }
  return examples
}

/** The environment of the scratch project's commands: this test run's own settings left out. */
function scratchEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('VITEST') || name.startsWith('SAMSA_') || ['NODE_OPTIONS', 'TEST', 'NODE_ENV', 'FORCE_COLOR'].includes(name)) continue
    env[name] = value
  }
  // Plain text, for the assertions on the runners' summaries.
  env['NO_COLOR'] = '1'
  return env
}

interface Outcome {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command in the scratch project; resolves with its exit code and output, whatever it is. */
async function inScratch(dir: string, file: string, args: readonly string[], timeoutMs: number): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: dir, env: scratchEnv(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number | string; signal?: string; stdout?: string; stderr?: string }
    // A command killed by the timeout reports its signal: a process that did not exit by itself.
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: `${failed.stderr ?? ''}\n[${failed.signal ?? failed.code}]` }
  }
}

describe('samsa installed from its packed tarball', () => {
  let scratch: string

  beforeAll(async () => {
    ensureDistBuilt()
    await run(process.execPath, [join(repoRoot, 'src', 'packaging', 'build-package.mjs')], { cwd: repoRoot })
    scratch = tempDir('samsa-package-consumer-')
    // --ignore-scripts: `prepare` would rebuild the addon, which the checkout already has.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', scratch], { cwd: repoRoot, encoding: 'utf8' })
    const tarball = join(scratch, packed.stdout.trim().split('\n').pop()!)
    expect(existsSync(tarball), `npm pack wrote ${tarball}`).toBe(true)
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'samsa-package-consumer', private: true, jest: { testEnvironment: 'node' } }, null, 2))
    cpSync(fixtures, scratch, { recursive: true })
    for (const [file, code] of readmeExamples()) writeFileSync(join(scratch, file), code)
    const clients = ['kafkajs@2.2.4', '@platformatic/kafka@1.35.0', 'vitest@3.2.7', 'jest@30', 'typescript@5.9.3', '@types/node@20']
    const install = await inScratch(scratch, 'npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...clients], 240_000)
    expect(install.code, `npm install failed:\n${install.stderr}`).toBe(0)
  }, 300_000)

  it('carries the addon binary and resolves its entries inside node_modules/samsa', async () => {
    const installed = join(scratch, 'node_modules', 'samsa')
    expect(readdirSync(join(installed, 'crates', 'seglog-node')).some((name) => name.endsWith('.node'))).toBe(true)
    const required = await inScratch(scratch, process.execPath, ['-p', "['samsa', 'samsa/client', 'samsa/testing', 'samsa/log'].map((id) => require.resolve(id)).join('\\n')"], 30_000)
    expect(required.stdout.trim().split('\n')).toEqual(['index.cjs', 'client.cjs', 'testing.cjs', 'log.cjs'].map((file) => join(installed, 'dist', 'cjs', file)))
    const imported = await inScratch(scratch, process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('samsa'))"], 30_000)
    expect(imported.stdout.trim()).toBe(`file://${join(installed, 'dist', 'src', 'index.js')}`)
  })

  it('type-checks a TypeScript user of every entry point, with skipLibCheck off', async () => {
    const outcome = await inScratch(scratch, process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], 120_000)
    expect(outcome, 'tsc found no errors in types.mts nor in the typings it loads').toMatchObject({ code: 0, stdout: '' })
  })

  it('runs a vitest file (ES modules) that starts a broker and uses kafkajs: admin, produce, a consumer group', async () => {
    const outcome = await inScratch(scratch, process.execPath, [join('node_modules', 'vitest', 'vitest.mjs'), 'run', 'esm.test.mjs'], 120_000)
    expect(outcome.code, outcome.stdout + outcome.stderr).toBe(0)
    expect(outcome.stdout).toMatch(/Tests\s+2 passed \(2\)/)
  })

  it('runs a jest file (CommonJS, jest\'s own loader) the same way and leaves no open handles', async () => {
    const outcome = await inScratch(scratch, process.execPath, [join('node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--detectOpenHandles', 'cjs.test.cjs'], 120_000)
    expect(outcome.code, outcome.stdout + outcome.stderr).toBe(0)
    expect(outcome.stderr).toMatch(/Tests:\s+3 passed, 3 total/)
    expect(outcome.stderr).not.toMatch(/open handle/i)
  })

  it('shares one broker across a run (global setup): jest files in two workers, and vitest', async () => {
    const jest = await inScratch(scratch, process.execPath, [join('node_modules', 'jest', 'bin', 'jest.js'), '--ci', '-c', 'jest.shared.config.cjs'], 120_000)
    expect(jest.code, jest.stdout + jest.stderr).toBe(0)
    expect(jest.stderr).toMatch(/Tests:\s+2 passed, 2 total/)
    // Each test file logs its process and the broker it used.
    const used = [...(jest.stdout + jest.stderr).matchAll(/pid (\d+) worker \d+ broker (\S+)/g)].map((m) => ({ pid: m[1], broker: m[2] }))
    expect(used).toHaveLength(2)
    expect(new Set(used.map((u) => u.pid)).size, 'two worker processes').toBe(2)
    expect(new Set(used.map((u) => u.broker)).size, 'one broker').toBe(1)

    const vitest = await inScratch(scratch, process.execPath, [join('node_modules', 'vitest', 'vitest.mjs'), 'run', '-c', 'vitest.shared.config.mjs'], 120_000)
    expect(vitest.code, vitest.stdout + vitest.stderr).toBe(0)
    expect(vitest.stdout).toMatch(/Tests\s+1 passed \(1\)/)
  })

  it('lets plain node exit by itself once the broker is closed, from ES modules and from CommonJS', async () => {
    for (const script of ['exits.mjs', 'exits.cjs']) {
      const outcome = await inScratch(scratch, process.execPath, [script], 60_000)
      expect(outcome, `${script} exits 0 on its own and prints the record`).toMatchObject({ code: 0, stdout: 'hello\n' })
    }
  })
  describe('README examples', () => {
    it('has the four examples this file runs', () => {
      expect([...readmeExamples().keys()].sort()).toEqual(['broker.mjs', 'client.mjs', 'orders.test.cjs', 'orders.test.mjs'])
    })

    it('broker.mjs: startBroker with kafkajs, then the process exits', async () => {
      expect(await inScratch(scratch, process.execPath, ['broker.mjs'], 60_000)).toMatchObject({ code: 0, stdout: 'orders 0\n' })
    })

    it('client.mjs: samsa/client against startBroker, with a KafkaError', async () => {
      expect(await inScratch(scratch, process.execPath, ['client.mjs'], 60_000)).toMatchObject({ code: 0, stdout: 'true 36 TOPIC_ALREADY_EXISTS\nuser-1 login\n' })
    })

    it('orders.test.mjs: vitest with @platformatic/kafka and useBroker', async () => {
      const outcome = await inScratch(scratch, process.execPath, [join('node_modules', 'vitest', 'vitest.mjs'), 'run', 'orders.test.mjs'], 120_000)
      expect(outcome.code, outcome.stdout + outcome.stderr).toBe(0)
      expect(outcome.stdout).toMatch(/Tests\s+1 passed \(1\)/)
    })

    it('orders.test.cjs: jest with kafkajs, a consumer group and useBroker', async () => {
      const outcome = await inScratch(scratch, process.execPath, [join('node_modules', 'jest', 'bin', 'jest.js'), '--ci', 'orders.test.cjs'], 120_000)
      expect(outcome.code, outcome.stdout + outcome.stderr).toBe(0)
      expect(outcome.stderr).toMatch(/Tests:\s+1 passed, 1 total/)
    })
  })
})
