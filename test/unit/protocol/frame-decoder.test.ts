import { describe, expect, it } from 'vitest'
import { FrameDecoder } from '../../../src/protocol/frame-decoder.js'

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length)
  return Buffer.concat([size, body])
}

const requests = (maxFrameBytes: number): FrameDecoder => new FrameDecoder({ kind: 'request', maxFrameBytes, limitName: 'socket.request.max.bytes' })

describe('FrameDecoder', () => {
  const bodies = [Buffer.alloc(10, 1), Buffer.alloc(300, 2), Buffer.alloc(12, 3)]
  const stream = Buffer.concat(bodies.map(frame))

  it('yields whole frames however the stream is split', () => {
    for (let split = 1; split <= stream.length; split++) {
      const decoder = requests(1024)
      const seen: Buffer[] = []
      for (let pos = 0; pos < stream.length; pos += split) {
        decoder.push(stream.subarray(pos, Math.min(stream.length, pos + split)), (f) => seen.push(Buffer.from(f)))
      }
      expect(seen).toEqual(bodies)
      expect(decoder.hasPartialFrame).toBe(false)
    }
  })

  it('assembles frames from untrusted peers from the pieces that arrived, however the stream is split', () => {
    for (let split = 1; split <= stream.length; split += 7) {
      const decoder = requests(1024)
      decoder.trustAnnouncedSizes(false)
      const seen: Buffer[] = []
      for (let pos = 0; pos < stream.length; pos += split) {
        decoder.push(stream.subarray(pos, Math.min(stream.length, pos + split)), (f) => seen.push(Buffer.from(f)))
      }
      expect(seen).toEqual(bodies)
      expect(decoder.hasPartialFrame).toBe(false)
    }
  })

  it('holds only what arrived of a large frame from an untrusted peer', () => {
    const decoder = requests(1 << 20)
    decoder.trustAnnouncedSizes(false)
    const header = Buffer.alloc(4)
    header.writeInt32BE(500_000)
    const before = process.memoryUsage().arrayBuffers
    const decoders = Array.from({ length: 200 }, () => {
      const d = requests(1 << 20)
      d.trustAnnouncedSizes(false)
      d.push(Buffer.concat([header, Buffer.alloc(100)]), () => {})
      return d
    })
    // 200 stalled 500 kB frames would be 100 MB if allocated on announcement.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(10_000_000)
    expect(decoders.every((d) => d.hasPartialFrame)).toBe(true)
    expect(decoder.hasPartialFrame).toBe(false)
  })

  it('hands a frame that arrives whole as a view, not a copy', () => {
    const decoder = requests(1024)
    const chunk = frame(Buffer.alloc(20, 7))
    let seen: Buffer | undefined
    decoder.push(chunk, (f) => { seen = f })
    expect(seen!.buffer).toBe(chunk.buffer)
  })

  it('rejects a size over the limit before allocating it', () => {
    const decoder = requests(1000)
    const header = Buffer.alloc(4)
    header.writeInt32BE(0x7fffffff)
    expect(() => decoder.push(header, () => {})).toThrowError(/2147483647 bytes is larger than socket\.request\.max\.bytes \(1000\)/)
  })

  it('rejects negative and header-less sizes', () => {
    const negative = Buffer.alloc(4)
    negative.writeInt32BE(-5)
    expect(() => requests(1000).push(negative, () => {})).toThrowError(/size -5/)
    const tiny = Buffer.alloc(4)
    tiny.writeInt32BE(3)
    expect(() => requests(1000).push(tiny, () => {})).toThrowError(/smaller than a request header/)
  })

  it('reads response frames down to a bare correlation id, with the client\'s limit in its errors', () => {
    const decoder = new FrameDecoder({ kind: 'response', maxFrameBytes: 100, limitName: 'the client\'s response limit' })
    const seen: Buffer[] = []
    decoder.push(frame(Buffer.alloc(4, 9)), (f) => seen.push(f))
    expect(seen).toEqual([Buffer.alloc(4, 9)])
    const big = Buffer.alloc(4)
    big.writeInt32BE(101)
    expect(() => decoder.push(big, () => {})).toThrowError(/Response frame of 101 bytes is larger than the client's response limit \(100\)/)
  })
})
