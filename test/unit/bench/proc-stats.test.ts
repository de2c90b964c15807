import { describe, expect, it } from 'vitest'
import { MachineSampler, ProcessSampler } from '../../../bench/harness/proc-stats.js'

describe('CPU samplers', () => {
  it("count this process's own work in the machine's busy time", (context) => {
    const machine = new MachineSampler()
    machine.start()
    const self = new ProcessSampler('self')
    self.start()
    const until = performance.now() + 150
    let spins = 0
    while (performance.now() < until) spins++
    const ours = self.sample()
    const { cpuSeconds: all, writtenBackBytes } = machine.sample()
    if (all === null) context.skip()
    expect(writtenBackBytes).toBeGreaterThanOrEqual(0)
    expect(spins).toBeGreaterThan(0)
    // Both count in 10 ms clock ticks; the machine's total holds ours, give or take a tick or two.
    expect(ours).toBeGreaterThan(0.05)
    expect(all!).toBeGreaterThanOrEqual(ours - 0.03)
  })
})
