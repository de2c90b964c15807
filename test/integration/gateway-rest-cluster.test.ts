/**
 * The REST Proxy in a cluster (etcd and two broker processes, each with its own gateway): a
 * gateway serves only what its own broker's services can. A produce whose records go to
 * partitions led by the other broker gets, for those records only, an error naming that broker
 * (its other records are written); a consumer group coordinated by the other broker gets a 500
 * naming it. Neither hangs. (Forwarding to the right broker is not done.)
 */
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { freePort } from '../helpers/free-ports.js'
import { JSON_V2, V2, rest } from '../helpers/rest-client.js'

let cluster: TestCluster
const httpPorts = new Map<number, number>()
const gateway = (nodeId: number): string => `http://127.0.0.1:${httpPorts.get(nodeId)}/`

beforeAll(async () => {
  httpPorts.set(1, await freePort())
  httpPorts.set(2, await freePort())
  cluster = await startCluster({
    brokers: 2,
    httpPorts: { 1: httpPorts.get(1)!, 2: httpPorts.get(2)! },
  })
  const admin = new Kafka({ brokers: cluster.bootstrap.split(','), clientId: 'rest-cluster', logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    // Partition 0 on broker 1, partition 1 on broker 2.
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'split', replicaAssignment: [{ partition: 0, replicas: [1] }, { partition: 1, replicas: [2] }] }] })
  } finally {
    await admin.disconnect()
  }
  await cluster.waitUntil(async () => (await rest(gateway(1), '/topics/split/partitions')).body?.[1]?.leader === 2, 'broker 1 to learn the topic')
}, 120_000)

afterAll(async () => {
  await cluster?.close()
})

describe('the REST Proxy in a cluster', () => {
  it('writes the records of partitions its broker leads and names the leader of the others', async () => {
    const response = await rest(gateway(1), '/topics/split', { body: { records: [{ value: 'here', partition: 0 }, { value: 'there', partition: 1 }] }, contentType: JSON_V2 })
    expect(response.status).toBe(200)
    const [here, there] = response.body.offsets
    expect(here).toEqual({ partition: 0, offset: 0, error_code: null, error: null })
    expect(there).toMatchObject({ partition: 1, offset: null, error_code: 50003 })
    expect(there.error).toContain(`its leader is broker 2 (${cluster.broker(2).bootstrap})`)

    const read = await rest(gateway(1), '/topics/split/partitions/1/offsets')
    expect(read.status).toBe(500)
    expect(read.body.message).toMatch(/does not lead split-1; its leader is broker 2/)
  })

  it('refuses a consumer instance for a group the other broker coordinates, naming it', async () => {
    const outcomes: Array<{ group: string; status: number; message?: string }> = []
    for (let i = 0; i < 20; i++) {
      const group = `cluster-group-${i}`
      const response = await rest(gateway(1), `/consumers/${group}`, { body: { name: 'c' }, contentType: V2 })
      outcomes.push({ group, status: response.status, message: response.body.message })
      if (response.status === 200) await rest(gateway(1), `/consumers/${group}/instances/c`, { method: 'DELETE' })
    }
    const elsewhere = outcomes.filter((o) => o.status === 500)
    expect(elsewhere.length).toBeGreaterThan(0)
    expect(outcomes.some((o) => o.status === 200)).toBe(true)
    for (const o of elsewhere) expect(o.message).toMatch(new RegExp(`'${o.group}' is coordinated by broker 2 \\(`))
  })

  it('answers a consumer whose partitions the other broker leads with an error naming it, at once', async () => {
    const group = 'cluster-reader'
    let created = await rest(gateway(1), `/consumers/${group}`, { body: { name: 'r', format: 'json' }, contentType: V2 })
    // Any group coordinated here will do; find one.
    for (let i = 0; created.status !== 200 && i < 20; i++) created = await rest(gateway(1), `/consumers/${group}-${i}`, { body: { name: 'r', format: 'json' }, contentType: V2 })
    expect(created.status).toBe(200)
    const base = new URL(created.body.base_uri as string).pathname
    expect((await rest(gateway(1), `${base}/subscription`, { body: { topics: ['split'] }, contentType: V2 })).status).toBe(204)
    const started = Date.now()
    const read = await rest(gateway(1), `${base}/records?timeout=5000`, { accept: JSON_V2 })
    expect(read.status).toBe(500)
    expect(read.body.error_code).toBe(50003)
    expect(read.body.message).toMatch(/does not lead split-1; its leader is broker 2/)
    expect(Date.now() - started).toBeLessThan(30_000)
    await rest(gateway(1), base, { method: 'DELETE' })
  })
})
