/**
 * What it costs the produce path to count an append for /metrics, per append (each call counts
 * 1000 appends, as 1000 batches would be): the plain counters Samsa keeps (two additions on the
 * topic's TopicCounters, which the Partition already holds), against diagnostics_channel with
 * nobody subscribed and with one subscriber (the case that matters, since the gateway serves
 * /metrics by default and would always be subscribed), which then does the same additions.
 */
import diagnostics_channel from 'node:diagnostics_channel'
import { TopicCounters } from '../../../src/replication/replication-counters.js'
import { check, runCases } from '../protocol/bench-util.js'

const APPENDS = 1000
const counters = new TopicCounters()
const records = Array.from({ length: APPENDS }, (_, i) => 50 + (i % 100))

function countPlain(): void {
  for (let i = 0; i < APPENDS; i++) {
    counters.messagesIn += records[i]!
    counters.bytesIn += 65_536
  }
}

const unheard = diagnostics_channel.channel('samsa.bench.append.unheard')
const heard = diagnostics_channel.channel('samsa.bench.append.heard')
const viaChannel = new TopicCounters()
heard.subscribe((message) => {
  const { counters: target, records: count, bytes } = message as { counters: TopicCounters; records: number; bytes: number }
  target.messagesIn += count
  target.bytesIn += bytes
})

function publish(channel: diagnostics_channel.Channel): void {
  for (let i = 0; i < APPENDS; i++) {
    // The guard is how undici and fastify publish: no message is built when nobody listens.
    if (channel.hasSubscribers) channel.publish({ counters: viaChannel, records: records[i]!, bytes: 65_536 })
  }
}

countPlain()
publish(heard)
check(counters.messagesIn === viaChannel.messagesIn && counters.bytesIn === viaChannel.bytesIn, 'both ways count the same')

runCases('counting appends', [
  { name: 'plain counters x1000', fn: countPlain, items: APPENDS, unit: 'appends' },
  { name: 'diagnostics_channel, no subscriber x1000', fn: () => publish(unheard), items: APPENDS, unit: 'appends' },
  { name: 'diagnostics_channel, one subscriber x1000', fn: () => publish(heard), items: APPENDS, unit: 'appends' },
])
check(counters.messagesIn > 0 && viaChannel.messagesIn > 0, 'results were consumed')
