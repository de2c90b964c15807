/**
 * GET /api/cluster: the cluster at a glance, for the Brokers page and the header's health badge:
 * each live broker (id, address, rack, whether it is the controller, how many partitions it
 * leads and holds) and the partition health counts operators alert on (under-replicated,
 * offline), from the same metadata store and cluster view the Metadata handler answers from.
 */
import type { GatewayServices } from '../../gateway.js'
import type { HttpServer } from '../../uws.js'
import { apiRoute } from './api-route.js'

export interface BrokerSummary {
  readonly id: number
  readonly host: string
  readonly port: number
  readonly rack: string | null
  readonly controller: boolean
  readonly partitionsLed: number
  readonly replicas: number
}

export function clusterRoutes(server: HttpServer, { broker, logger }: GatewayServices): void {
  apiRoute(server, logger, 'get', '/api/cluster', () => {
    const controllerId = broker.cluster.controllerId()
    const led = new Map<number, number>()
    const held = new Map<number, number>()
    let partitions = 0
    let underReplicated = 0
    let offline = 0
    let topics = 0
    for (const topic of broker.metadata.topics()) {
      topics++
      for (let index = 0; index < topic.partitions; index++) {
        const state = broker.metadata.partitionState(topic.name, index)
        if (state === undefined) continue
        partitions++
        if (state.leader === -1) offline++
        else {
          led.set(state.leader, (led.get(state.leader) ?? 0) + 1)
          if (state.isr.length < state.replicas.length) underReplicated++
        }
        for (const replica of state.replicas) held.set(replica, (held.get(replica) ?? 0) + 1)
      }
    }
    const brokers: BrokerSummary[] = broker.cluster
      .brokers()
      .map((b) => ({
        id: b.nodeId,
        host: b.host,
        port: b.port,
        rack: b.rack,
        controller: b.nodeId === controllerId,
        partitionsLed: led.get(b.nodeId) ?? 0,
        replicas: held.get(b.nodeId) ?? 0,
      }))
      .sort((a, b) => a.id - b.id)
    return {
      clusterId: broker.metadata.clusterId,
      controllerId,
      /** The broker serving this console. */
      nodeId: broker.nodeId,
      brokers,
      topics,
      partitions,
      underReplicatedPartitions: underReplicated,
      offlinePartitions: offline,
    }
  })
}
