import { describe, expect, it } from 'vitest'
import { BrokerConfig } from '../../../src/common/config/broker-config.js'
import { ConfigOperations as Op, applyTopicConfigOperations, isConfigOperationId } from '../../../src/common/config/config-operations.js'

const defaults = BrokerConfig.load().topicDefaults()

describe('applyTopicConfigOperations', () => {
  it('sets and deletes overrides, leaving the others alone', () => {
    const next = applyTopicConfigOperations(
      { 'retention.ms': '1000', 'segment.ms': '2000' },
      [
        { name: 'retention.ms', operation: Op.SET, value: '3000' },
        { name: 'segment.ms', operation: Op.DELETE, value: null },
        { name: 'max.message.bytes', operation: Op.SET, value: '4096' },
      ],
      defaults,
    )
    expect(next).toEqual({ 'retention.ms': '3000', 'max.message.bytes': '4096' })
  })

  it('appends to and subtracts from a list, starting from the effective value', () => {
    expect(applyTopicConfigOperations({}, [{ name: 'cleanup.policy', operation: Op.APPEND, value: 'compact' }], defaults)).toEqual({
      'cleanup.policy': 'delete,compact',
    })
    expect(applyTopicConfigOperations({ 'cleanup.policy': 'delete,compact' }, [{ name: 'cleanup.policy', operation: Op.APPEND, value: 'compact,delete' }], defaults)).toEqual({
      'cleanup.policy': 'delete,compact',
    })
    expect(applyTopicConfigOperations({ 'cleanup.policy': 'delete, compact' }, [{ name: 'cleanup.policy', operation: Op.SUBTRACT, value: 'delete' }], defaults)).toEqual({
      'cleanup.policy': 'compact',
    })
  })

  it('treats DELETE of a setting that is not overridden, or not known, as nothing to do', () => {
    expect(applyTopicConfigOperations({ 'retention.ms': '1' }, [{ name: 'no.such', operation: Op.DELETE, value: null }], defaults)).toEqual({ 'retention.ms': '1' })
  })

  it('refuses unknown settings, missing values and list operations on non-lists', () => {
    expect(() => applyTopicConfigOperations({}, [{ name: 'no.such', operation: Op.SET, value: '1' }], defaults)).toThrowError(/Unknown topic setting no\.such/)
    expect(() => applyTopicConfigOperations({}, [{ name: 'retention.ms', operation: Op.SET, value: null }], defaults)).toThrowError(/needs a value/)
    expect(() => applyTopicConfigOperations({}, [{ name: 'retention.ms', operation: Op.APPEND, value: '1' }], defaults)).toThrowError(/not a list/)
  })

  it('recognises exactly the four operation ids', () => {
    expect([-1, 0, 1, 2, 3, 4, 1.5].map(isConfigOperationId)).toEqual([false, true, true, true, true, false, false])
  })
})
