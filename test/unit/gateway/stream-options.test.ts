import { describe, expect, it } from 'vitest'
import { parseStreamOptions, StreamOptionsError } from '../../../src/gateway/ws/stream-options.js'

const parse = (query: string) => parseStreamOptions('orders', new URLSearchParams(query))

describe('stream query', () => {
  it('defaults to every partition from latest, base64 values in JSON text frames', () => {
    expect(parse('')).toEqual({
      topic: 'orders',
      offset: 'latest',
      offsets: null,
      partitions: null,
      timestamp: null,
      group: null,
      autoCommit: true,
      format: 'binary',
      binaryFrames: false,
    })
  })

  it('reads offsets per partition as the partitions to stream', () => {
    const options = parse('offsets=0:15,2:20&format=json&frames=binary')
    expect([...options.offsets!]).toEqual([
      [0, 15],
      [2, 20],
    ])
    expect(options.partitions).toEqual([0, 2])
    expect(options).toMatchObject({ format: 'json', binaryFrames: true })
  })

  it('takes earliest, an offset, a timestamp, a group with manual commits', () => {
    expect(parse('offset=earliest').offset).toBe('earliest')
    expect(parse('offset=42&partitions=1').offset).toBe(42)
    expect(parse('timestamp=1760000000000').timestamp).toBe(1_760_000_000_000)
    expect(parse('group=g&commit=manual&offset=earliest')).toMatchObject({ group: 'g', autoCommit: false, offset: 'earliest' })
  })

  it.each([
    ['offset=-1', "Parameter 'offset' is '-1'"],
    ['offsets=0:1,0:2', 'names partition 0 twice'],
    ['offsets=a:1', "write partition:offset pairs"],
    ['partitions=1,1', 'names a partition twice'],
    ['partitions=1&offsets=0:5', "Every partition in 'partitions' needs an offset"],
    ['timestamp=5&offset=earliest', "either 'timestamp' or 'offset'"],
    ['group=g&partitions=1', "drop 'offsets', 'partitions' and 'timestamp'"],
    ['group=', "'group' is empty"],
    ['commit=manual', "'commit' needs 'group'"],
    ['group=g&commit=sometimes', "use auto or manual"],
    ['frames=xml', "use text or binary"],
    ['since=yesterday', "Unknown parameter 'since'"],
  ])('refuses %s, naming the problem', (query, message) => {
    expect(() => parse(query)).toThrow(StreamOptionsError)
    expect(() => parse(query)).toThrow(message)
  })
})
