import { describe, expect, it } from 'vitest'
import { FixedRateSchedule } from '../../../bench/harness/rate-schedule.js'

describe('FixedRateSchedule', () => {
  it('spaces intended send times evenly at the rate', () => {
    const schedule = new FixedRateSchedule(1000, 5000)
    expect(schedule.intendedTime(0)).toBe(5000)
    expect(schedule.intendedTime(1)).toBe(5001)
    expect(schedule.intendedTime(2500)).toBe(7500)
  })

  it('counts the messages due by a time, including every one a stall held back', () => {
    const schedule = new FixedRateSchedule(500, 0)
    expect(schedule.dueBy(-1)).toBe(0)
    expect(schedule.dueBy(0)).toBe(1)
    expect(schedule.dueBy(1.99)).toBe(1)
    expect(schedule.dueBy(2)).toBe(2)
    // A 100 ms stall: the 50 messages meant for it are all due when the sender wakes.
    expect(schedule.dueBy(100)).toBe(51)
  })

  it('measures from the intended time, so a stall shows in the latency of the messages it delayed', () => {
    const schedule = new FixedRateSchedule(1000, 0)
    // The sender stalls until t=50 ms, then sends the 51 due messages; the broker answers 1 ms later.
    const ackedAt = 51
    const latencies = Array.from({ length: schedule.dueBy(50) }, (_, i) => ackedAt - schedule.intendedTime(i))
    expect(latencies[0]).toBe(51)
    expect(latencies[50]).toBe(1)
    expect(Math.max(...latencies)).toBe(51)
  })

  it('tells how long to wait for the next message and refuses a rate of 0', () => {
    const schedule = new FixedRateSchedule(100, 0)
    expect(schedule.delayUntil(3, 25)).toBe(5)
    expect(schedule.delayUntil(1, 25)).toBe(0)
    expect(() => new FixedRateSchedule(0, 0)).toThrow(RangeError)
  })
})
