/**
 * GET /metrics: the broker's metrics in Prometheus text format (see exposition.ts), built fresh
 * on each scrape from the counters the broker keeps and the state its services hold. Nothing is
 * computed between scrapes except the process sampler (event-loop delay, GC pauses).
 *
 * A scrape walks every hosted partition once and every group this broker coordinates; with
 * thousands of partitions that is a few milliseconds of event-loop time per scrape (README,
 * "Metrics", gives the measured figure), once per scrape interval.
 */
import type { GatewayModuleFactory } from '../gateway.js'
import { writeBrokerFamilies } from './broker-families.js'
import { Exposition, PROMETHEUS_CONTENT_TYPE } from './exposition.js'
import { writeGroupFamilies } from './group-families.js'
import { writePartitionFamilies } from './partition-families.js'
import { ProcessMetrics } from './process-metrics.js'

export const metricsModule: GatewayModuleFactory = (server, services) => {
  const processMetrics = new ProcessMetrics()
  server.route('get', '/metrics', (exchange) => {
    const out = new Exposition()
    writeBrokerFamilies(out, services.broker, server.webSocketCount)
    writePartitionFamilies(out, services.broker)
    writeGroupFamilies(out, services.broker)
    processMetrics.write(out)
    exchange.respond(200, out.toString(), { 'content-type': PROMETHEUS_CONTENT_TYPE })
  })
  return { close: () => processMetrics.close() }
}
