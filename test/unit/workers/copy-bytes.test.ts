import { describe, expect, it } from 'vitest'
import { WORD_COPY_MAX_BYTES, copyBytes, viewOf } from '../../../src/workers/tasks/copy-bytes.js'

describe('copyBytes', () => {
  // Every length around the word loop's steps and the switch to TypedArray#set, at unaligned
  // offsets in both arrays (views that do not start their ArrayBuffer), with bytes that would
  // change if anything went through a float or a sign extension.
  const lengths = [0, 1, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 32, 33, 100, WORD_COPY_MAX_BYTES - 1, WORD_COPY_MAX_BYTES, WORD_COPY_MAX_BYTES + 1, 1000]
  const backing = new Uint8Array(4096 + 3)
  for (let i = 0; i < backing.length; i++) backing[i] = (i * 151 + 255) & 0xff
  const source = backing.subarray(3)

  for (const length of lengths) {
    it(`copies ${length} bytes exactly and touches nothing around them`, () => {
      for (const [start, at] of [[0, 0], [1, 6], [5, 3], [2, 7]] as const) {
        const target = Buffer.alloc(length + 32, 0xee).subarray(1)
        const end = copyBytes(source, viewOf(source), start, length, target, viewOf(target), at)
        expect(end).toBe(at + length)
        expect(target.subarray(at, end).equals(source.subarray(start, start + length))).toBe(true)
        expect(target.subarray(0, at).every((b) => b === 0xee)).toBe(true)
        expect(target.subarray(end).every((b) => b === 0xee)).toBe(true)
      }
    })
  }
})
