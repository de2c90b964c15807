/**
 * The open-file budget: a data directory or a new topic that would not fit under RLIMIT_NOFILE is
 * refused with the numbers and the fix, and Node has raised the soft limit to the hard one in the
 * process that runs an embedded broker (this one).
 */
import { describe, expect, it } from 'vitest'
import { ErrorCodes, SamsaError } from '../../../src/common/errors.js'
import {
  checkStartupDescriptors,
  DESCRIPTOR_RESERVE,
  descriptorShortfall,
  readOpenFileLimit,
} from '../../../src/storage/open-file-limit.js'
import { startInProcessBroker } from '../../helpers/in-process-broker.js'

const limit1024 = { soft: 1024, hard: 1024 }

describe('open-file limit', () => {
  it('is raised to the hard limit in a Node process that embeds a broker', async () => {
    const broker = await startInProcessBroker()
    try {
      const limit = readOpenFileLimit()
      expect(limit).not.toBeNull()
      expect(limit!.soft).toBe(limit!.hard)
    } finally {
      await broker.stop()
    }
  })

  it('lets a data directory start when its partitions fit, with the reserve counted', () => {
    expect(() => checkStartupDescriptors('/data', 1024 - 100 - DESCRIPTOR_RESERVE, limit1024, 100)).not.toThrow()
  })

  it('refuses a data directory that needs more than the limit, naming the numbers and the fix', () => {
    let error: unknown
    try {
      checkStartupDescriptors('/data', 1200, limit1024, 60)
    } catch (caught) {
      error = caught
    }
    expect(SamsaError.is(error) && error.code === ErrorCodes.CONFIG).toBe(true)
    const message = (error as Error).message
    expect(message).toContain('/data holds 1200 partitions')
    expect(message).toContain(`need about ${60 + 1200 + DESCRIPTOR_RESERVE} open files`)
    expect(message).toContain('may open only 1024 (soft limit 1024, hard limit 1024)')
    expect(message).toMatch(/`ulimit -n \d+`/)
    expect(message).toMatch(/LimitNOFILE=\d+/)
    expect(message).toMatch(/--ulimit nofile=\d+:\d+/)
  })

  it('never refuses under an unlimited or unknown limit', () => {
    expect(() => checkStartupDescriptors('/data', 1_000_000, { soft: Infinity, hard: Infinity }, 60)).not.toThrow()
    expect(() => checkStartupDescriptors('/data', 1_000_000, null, 60)).not.toThrow()
    expect(descriptorShortfall(1_000_000, null, 60)).toBeNull()
  })

  it('says how many more partitions fit when new ones would not', () => {
    expect(descriptorShortfall(100, limit1024, 500)).toBeNull()
    const shortfall = descriptorShortfall(400, limit1024, 500)
    expect(shortfall).toContain('Creating 400 partition(s)')
    expect(shortfall).toContain(`there is room for ${1024 - 500 - DESCRIPTOR_RESERVE} more`)
    expect(shortfall).toMatch(/`ulimit -n \d+`/)
  })
})
