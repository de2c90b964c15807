import { describe, expect, it } from 'vitest'
import { MachineSampler, ProcessSampler } from '../../../bench/harness/proc-stats.js'

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}

describe('CPU samplers', () => {
  it("count this process's own work in the machine's busy time", (context) => {
    const machine = new MachineSampler()
    machine.start()
    const self = new ProcessSampler('self')
    self.start()
    // Spins for 150 ms of this process's CPU time, not of wall time: on a shared machine 150 ms
    // of wall time may hold only a few ticks of ours (0.03 s was seen with two cores loaded).
    const start = process.cpuUsage()
    const giveUpAt = performance.now() + 10_000
    let spins = 0
    while (cpuMsSince(start) < 150 && performance.now() < giveUpAt) spins++
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
