import { expect, test } from 'vitest'
import { metadataRequest, metadataResponse } from '../../../../src/protocol/messages/metadata.js'

test('a null topic list (all topics) is allowed from v1 and encoded as -1 / 0', () => {
  expect(metadataRequest.encode({ topics: null }, 1).toBuffer().toString('hex')).toBe('ffffffff')
  // v9: null topics, auto-create off, the two authorized-operations flags, empty tag section.
  expect(metadataRequest.encode({ topics: null, allowAutoTopicCreation: false }, 9).toBuffer().toString('hex')).toBe('0000000000')
  expect(() => metadataRequest.encode({ topics: null }, 0)).toThrow(/topics: null is not allowed in version 0/)
})

test('turning auto-creation off cannot be expressed before v4, so it is refused', () => {
  expect(() => metadataRequest.encode({ topics: [], allowAutoTopicCreation: false }, 3)).toThrow(
    /allowAutoTopicCreation: version 3 cannot carry a value other than the default/,
  )
  expect(metadataRequest.decode(metadataRequest.encode({ topics: [] }, 3).toBuffer(), 3).allowAutoTopicCreation).toBe(true)
})

test('from v10 topics may be requested by id with a null name; v12 responses may have null names', () => {
  const request = { topics: [{ topicId: 'AQIDBAUGBwgJCgsMDQ4PEA', name: null }] }
  expect(metadataRequest.decode(metadataRequest.encode(request, 10).toBuffer(), 10).topics).toEqual(request.topics)
  expect(() => metadataRequest.encode(request, 9)).toThrow(/name: null is not allowed in version 9/)
  const response = {
    brokers: [{ nodeId: 1, host: 'localhost', port: 9092 }],
    topics: [{ errorCode: 100, name: null, partitions: [] }],
  }
  expect(metadataResponse.decode(metadataResponse.encode(response, 12).toBuffer(), 12).topics[0]).toMatchObject({
    errorCode: 100,
    name: null,
    topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
    topicAuthorizedOperations: -2147483648,
  })
})
