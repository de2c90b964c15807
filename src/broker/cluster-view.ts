/**
 * What request handlers know of the cluster beyond this broker: the live brokers with the
 * endpoints clients should use, and the controller. A single broker is the whole cluster and its
 * own controller (soleBrokerView); in cluster mode the view follows the broker registry and the
 * controller election in etcd.
 */
import type { Listener } from '../common/config/broker-config.js'

export interface BrokerEndpoint {
  readonly nodeId: number
  readonly host: string
  readonly port: number
  readonly rack: string | null
}

export interface ClusterView {
  /** Live brokers, by node id. */
  brokers(): readonly BrokerEndpoint[]
  broker(nodeId: number): BrokerEndpoint | undefined
  /** The controller's node id, or -1 while there is none. */
  controllerId(): number
}

/** The view of a broker that is a cluster of one. */
export function soleBrokerView(nodeId: number, rack: string | null, advertisedListeners: () => readonly Listener[]): ClusterView {
  const self = (): BrokerEndpoint | undefined => {
    const listener = advertisedListeners()[0]
    return listener === undefined ? undefined : { nodeId, host: listener.host, port: listener.port, rack }
  }
  return {
    brokers: () => {
      const endpoint = self()
      return endpoint === undefined ? [] : [endpoint]
    },
    broker: (id) => (id === nodeId ? self() : undefined),
    controllerId: () => nodeId,
  }
}
