/**
 * A stream's life in a real broker (in-process, so the test can look at the purgatory): closing
 * the socket ends its waiting fetch at once and forgets the stream; shutting the broker down
 * closes open streams with 1001 (going away).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { StreamClient } from '../../../bench/gateway/ws-client.js'
import { freePort } from '../../helpers/free-ports.js'
import { type InProcessBroker, startInProcessBroker } from '../../helpers/in-process-broker.js'

let fixture: InProcessBroker | undefined
afterEach(async () => {
  await fixture?.stop()
  fixture = undefined
})

async function start(): Promise<{ fixture: InProcessBroker; url: string }> {
  const httpPort = await freePort()
  fixture = await startInProcessBroker({ 'http.port': httpPort, 'num.partitions': 2 })
  await fixture.createTopics('lifecycle')
  return { fixture, url: `ws://127.0.0.1:${httpPort}/v1/ws/topics/lifecycle` }
}

describe('WebSocket stream lifecycle', () => {
  it('ends its waiting fetch as soon as the client closes, well before the fetch would time out', async () => {
    const { fixture, url } = await start()
    const fetches = fixture.broker.context.replicas.purgatories.fetches
    const client = await StreamClient.connect(url)
    // Caught up, the stream waits for new records in the purgatory (up to 5 s per wait).
    await expect.poll(() => fetches.size, { timeout: 30_000 }).toBe(1)
    const closedAt = Date.now()
    await client.close()
    await expect.poll(() => fetches.size, { timeout: 30_000 }).toBe(0)
    expect(Date.now() - closedAt).toBeLessThan(4000)
    const stats = (await (await fetch(new URL('/v1/ws/stats', url.replace(/^ws/, 'http')))).json()) as { streams: unknown[] }
    expect(stats.streams).toEqual([])
  })

  it('closes open streams with 1001 when the broker shuts down', async () => {
    const { fixture, url } = await start()
    const client = await StreamClient.connect(`${url}?group=lifecycle-group`)
    await client.next('assigned', 30_000)
    await fixture.stop()
    await client.waitFor(() => client.closed !== null, 30_000, 'the close')
    expect(client.closed).toEqual({ code: 1001, reason: 'the broker is shutting down' })
  })
})
