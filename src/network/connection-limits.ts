/**
 * The connection settings of a broker's configuration, turned into what its listeners take.
 */
import type { BrokerConfig } from '../common/config/broker-config.js'
import { parseConnectionOverrides } from '../common/config/connection-overrides.js'
import type { Logger } from '../common/logger.js'
import { ConnectionQuotas } from './connection-quotas.js'

/**
 * What one connection may have read ahead of processing when queued.max.request.bytes is -1.
 * Enough for a pipelining producer to keep a few 1 MiB requests waiting (requests are served one
 * at a time, so more read-ahead only costs memory), and 10,000 connections can never pin more
 * than this each.
 */
const DEFAULT_QUEUED_REQUEST_BYTES = 16 << 20

export function connectionQuotas(config: BrokerConfig, logger: Logger): ConnectionQuotas {
  const overrides = parseConnectionOverrides(config.get('max.connections.per.ip.overrides'))
  // Validated when the configuration was loaded.
  if (typeof overrides === 'string') throw new Error(`max.connections.per.ip.overrides: ${overrides}`)
  return new ConnectionQuotas(
    {
      maxConnections: config.get('max.connections'),
      maxConnectionsPerIp: config.get('max.connections.per.ip'),
      perIpOverrides: overrides,
      maxCreationRate: config.get('max.connection.creation.rate'),
    },
    logger,
  )
}

export function queuedRequestBytes(config: BrokerConfig): number {
  const configured = config.get('queued.max.request.bytes')
  return configured > 0 ? configured : DEFAULT_QUEUED_REQUEST_BYTES
}
