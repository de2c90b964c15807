/**
 * GET /metrics: the broker's metrics in Prometheus text format (see exposition.ts), built fresh
 * on each scrape from the counters the broker keeps and the state its services hold. Nothing is
 * computed between scrapes except the process sampler (event-loop delay, GC pauses).
 *
 * A scrape walks every hosted partition once and every group this broker coordinates, in slices
 * of SLICE partitions per turn of the event loop (bench/gateway/metrics-scrape.ts measures it:
 * README, "Metrics").
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import type { GatewayModuleFactory } from '../gateway.js'
import { writeBrokerFamilies } from './broker-families.js'
import { Exposition, PROMETHEUS_CONTENT_TYPE } from './exposition.js'
import { writeGroupFamilies } from './group-families.js'
import { writePartitionFamilies } from './partition-families.js'
import { ProcessMetrics } from './process-metrics.js'

export const metricsModule: GatewayModuleFactory = (server, services) => {
  const processMetrics = new ProcessMetrics()
  server.route('get', '/metrics', async (exchange) => {
    const text = await scrapeMetrics(services.broker, server.webSocketCount, processMetrics)
    exchange.respond(200, text, { 'content-type': PROMETHEUS_CONTENT_TYPE })
  })
  return { close: () => processMetrics.close() }
}

/** The whole exposition as UTF-8, built over a few turns of the event loop when there are many partitions. */
export async function scrapeMetrics(broker: BrokerContext, webSocketSessions: number, processMetrics: ProcessMetrics): Promise<Buffer> {
  const out = new Exposition()
  writeBrokerFamilies(out, broker, webSocketSessions)
  await writePartitionFamilies(out, broker)
  await writeGroupFamilies(out, broker)
  processMetrics.write(out)
  return out.toBuffer()
}
