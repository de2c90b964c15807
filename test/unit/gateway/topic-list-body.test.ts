/**
 * GET /topics is served from a body encoded once per change of the topic list; the list must
 * still be exact after every create and delete, without any change event from the single
 * broker's metadata store.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../../helpers/free-ports.js'
import { type InProcessBroker, startInProcessBroker } from '../../helpers/in-process-broker.js'

let fixture: InProcessBroker | undefined
afterEach(async () => {
  await fixture?.stop()
  fixture = undefined
})

describe('GET /topics', () => {
  it('lists the user topics, sorted, right after each create and delete', async () => {
    const httpPort = await freePort()
    fixture = await startInProcessBroker({ 'http.port': httpPort, 'num.partitions': 1 })
    const list = async (): Promise<unknown> => {
      const response = await fetch(`http://127.0.0.1:${httpPort}/topics`, { headers: { accept: 'application/vnd.kafka.v2+json' } })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/vnd.kafka.v2+json')
      return response.json()
    }
    expect(await list()).toEqual([])
    await fixture.createTopics('orders', 'audit')
    expect(await list()).toEqual(['audit', 'orders'])
    expect(await list()).toEqual(['audit', 'orders'])
    await fixture.broker.context.topics.deleteTopic('orders')
    expect(await list()).toEqual(['audit'])
    // Same count as before the delete, another name: still noticed.
    await fixture.createTopics('billing')
    expect(await list()).toEqual(['audit', 'billing'])
    await fixture.broker.context.topics.deleteTopic('audit')
    await fixture.createTopics('audit')
    expect(await list()).toEqual(['audit', 'billing'])
  })

  it('still refuses an Accept it cannot serve with 406', async () => {
    const httpPort = await freePort()
    fixture = await startInProcessBroker({ 'http.port': httpPort })
    const response = await fetch(`http://127.0.0.1:${httpPort}/topics`, { headers: { accept: 'text/html' } })
    expect(response.status).toBe(406)
    expect(((await response.json()) as { error_code: number }).error_code).toBe(406)
  })
})
