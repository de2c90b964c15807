/**
 * A follower's clean shutdown (SIGTERM) must not stall the partition: the controller drops the
 * follower from the ISR, and acks=all writes go on with the two replicas left, while it is down.
 *
 * This is a regression test for a race found by bench:catch-up: the stopping follower's last
 * fetches reach the leader after the controller removed it from the ISR; the leader then
 * proposes adding it back, the controller refuses (INELIGIBLE_REPLICA), and a leader that kept
 * the refused proposal as pending counts the gone follower in its high watermark, so every
 * acks=all write times out until the follower returns. Three rounds, because the race is not hit
 * every time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AckingProducer, check, readPartition } from '../helpers/ack-checker.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { createReplicatedTopic, partitionState, waitForFullIsr } from '../helpers/partition-state.js'

const TOPIC = 'follower-stop'
const ROUNDS = 3

let cluster: TestCluster
let producer: AckingProducer | undefined

beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, settings: { 'broker.session.timeout.ms': 3000, 'broker.heartbeat.interval.ms': 500 } })
  await createReplicatedTopic(cluster, TOPIC)
  producer = await AckingProducer.connect(cluster.bootstrap, TOPIC)
  for (let i = 0; i < 5; i++) await producer.sendOne()
}, 120_000)

/** One acks=all write, which must be acknowledged within `ms`. */
async function sendWithin(ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`an acks=all write was not acknowledged within ${ms} ms\n${cluster.output()}`)), ms)
  })
  try {
    await Promise.race([producer!.sendOne(), late])
  } finally {
    clearTimeout(timer)
  }
}

afterAll(async () => {
  await producer?.stop().catch(() => undefined)
  await cluster?.close()
})

describe('a follower stopped cleanly', { timeout: 120_000 }, () => {
  it(`leaves the ISR and acks=all writes keep coming while it is down (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { leader, isr } = await waitForFullIsr(cluster, TOPIC)
      const follower = isr.find((id) => id !== leader)!
      // The partition is idle when the follower stops, so its last fetch is parked at the
      // leader (long poll) and completes after the controller has dropped it from the ISR.
      expect(await cluster.stop(follower, 'SIGTERM')).toBe(0)
      await cluster.waitUntil(async () => !(await partitionState(cluster, TOPIC)).isr.includes(follower), `broker ${follower} to leave the ISR`, 20_000)
      // Still down: the leader and the remaining follower acknowledge.
      for (let i = 0; i < 5; i++) await sendWithin(5000)
      expect((await partitionState(cluster, TOPIC)).leader).toBe(leader)
      await cluster.restart(follower)
    }
    await waitForFullIsr(cluster, TOPIC)
  })

  it('loses, duplicates and reorders no acknowledged record', async () => {
    await producer!.stop()
    expect(producer!.acks.length).toBe(5 + 5 * ROUNDS)
    const report = check(producer!.acks, await readPartition(cluster.bootstrap, TOPIC))
    expect({ lost: report.lost, duplicated: report.duplicated, misplaced: report.misplaced, reordered: report.reordered }).toEqual({ lost: [], duplicated: [], misplaced: [], reordered: 0 })
  })
})
