/**
 * GET /api/clients: who is connected to this broker's Kafka listeners, for the Clients page.
 * Connections are grouped by the client software they named in ApiVersions v3+ (KIP-511:
 * "apache-kafka-java" 4.1.0, "librdkafka" 2.0.2, ...), the largest group first; clients that never
 * said (kafkajs sends ApiVersions v2) are "unknown", as Kafka's `connections` metric calls them.
 * Each group lists its connections, oldest first and at most MAX_LISTED of them (a page polls
 * every two seconds; 5,000 connections listed in full were 1.1 MiB of JSON per poll,
 * bench/gateway/clients-view.ts): address, client id, principal, listener, since when, and the
 * requests and bytes each has cost. The counts are always whole.
 *
 * Who is connected (principals, addresses) is the cluster's business: with an authorizer, the
 * caller (gateway.auth=basic) needs DESCRIBE on the cluster, as Kafka asks for DescribeCluster.
 *
 * The answer is this broker's connections only, named by `nodeId`: Kafka has no request that
 * lists another broker's connections, and a broker's gateway reaches the others only over the
 * Kafka protocol (PeerBrokers), so in a cluster each broker's console shows its own clients, as
 * each broker's /metrics does.
 */
import type { ClientConnection } from '../../../network/connection-registry.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../../security/acl.js'
import { RestAuthorization } from '../../rest/authorization.js'
import type { GatewayServices } from '../../gateway.js'
import type { HttpServer } from '../../uws.js'
import { apiRoute } from './api-route.js'

/** Connections listed per software group; the rest are counted only. */
export const MAX_LISTED = 100

/** The connections of one client software name and version. */
export interface ClientSoftwareGroup {
  readonly name: string
  readonly version: string
  /** The listeners its connections came in on. */
  readonly listeners: readonly string[]
  /** All its open connections. */
  readonly connectionCount: number
  /** The oldest MAX_LISTED of them. */
  readonly connections: readonly ClientConnection[]
}

export function clientRoutes(server: HttpServer, { broker, logger }: GatewayServices): void {
  const authorization = new RestAuthorization(broker)
  apiRoute(server, logger, 'get', '/api/clients', (exchange) => {
    authorization.require(exchange, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)
    const connections = broker.connections.connections()
    return { nodeId: broker.nodeId, connections: connections.length, software: bySoftware(connections) }
  })
}

/**
 * Connections (oldest first, as the registry gives them) grouped by software name and version:
 * most connections first, then by name and version.
 */
export function bySoftware(connections: readonly ClientConnection[]): ClientSoftwareGroup[] {
  const groups = new Map<string, { name: string; version: string; listeners: Set<string>; connectionCount: number; connections: ClientConnection[] }>()
  for (const connection of connections) {
    const key = `${connection.softwareName}\0${connection.softwareVersion}`
    let group = groups.get(key)
    if (group === undefined) {
      group = { name: connection.softwareName, version: connection.softwareVersion, listeners: new Set(), connectionCount: 0, connections: [] }
      groups.set(key, group)
    }
    group.listeners.add(connection.listener)
    if (group.connectionCount++ < MAX_LISTED) group.connections.push(connection)
  }
  return [...groups.values()]
    .map((g) => ({ ...g, listeners: [...g.listeners].sort() }))
    .sort((a, b) => b.connectionCount - a.connectionCount || a.name.localeCompare(b.name) || a.version.localeCompare(b.version))
}
