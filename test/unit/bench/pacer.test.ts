import { describe, expect, it } from 'vitest'
import { Pacer } from '../../../bench/harness/pacer.js'

const wakeAfter = (pacer: Pacer, delayMs: number): Promise<number> => new Promise((resolve) => pacer.after(delayMs, () => resolve(performance.now())))

describe('Pacer', () => {
  it('never wakes before the delay asked for, whether it sleeps or uses a timer', async () => {
    const pacer = new Pacer(0.25)
    for (const delay of [0.5, 1.2, 5]) {
      const start = performance.now()
      const woke = await wakeAfter(pacer, delay)
      expect(woke - start).toBeGreaterThanOrEqual(delay)
    }
  })

  it('keeps wake-ups at least its interval apart, so a sender that is always behind does not spin', async () => {
    const pacer = new Pacer(1)
    const first = await wakeAfter(pacer, 0)
    const second = await wakeAfter(pacer, 0)
    expect(second - first).toBeGreaterThanOrEqual(1)
  })

  it('accounts for the time it spent blocked, and refuses intervals timers already serve', async () => {
    const pacer = new Pacer(0.5)
    await wakeAfter(pacer, 1.5)
    expect(pacer.sleptMs).toBeGreaterThan(0)
    expect(() => new Pacer(0)).toThrow(RangeError)
    expect(() => new Pacer(2)).toThrow(RangeError)
  })
})
