import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BROKER_NODE_FLAGS } from '../../../src/broker/runtime-flags.js'

describe("the broker's Node flags", () => {
  it('are the flags `npm start` runs the broker with', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }
    const start = manifest.scripts.start!.split(/\s+/)
    expect(start[0]).toBe('node')
    expect(start.slice(1, 1 + BROKER_NODE_FLAGS.length)).toEqual([...BROKER_NODE_FLAGS])
    expect(start.slice(1 + BROKER_NODE_FLAGS.length)).toEqual(['dist/src/cli/main.js', 'start'])
  })

  it('are on the `samsa` command\'s shebang line, so a broker started as `samsa start` has them too', () => {
    const firstLine = readFileSync(new URL('../../../src/cli/main.ts', import.meta.url), 'utf8').split('\n')[0]
    expect(firstLine).toBe(`#!/usr/bin/env -S node ${BROKER_NODE_FLAGS.join(' ')}`)
  })

  it('are accepted by this Node on the command line', async () => {
    const { spawnSync } = await import('node:child_process')
    const result = spawnSync(process.execPath, [...BROKER_NODE_FLAGS, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' })
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe('ok')
  })
})
