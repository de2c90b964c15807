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
  /**
   * Live brokers, by node id, with their endpoint on `listenerName` (Kafka answers Metadata with
   * the endpoints of the listener the request came in on, so a client that bootstrapped on a
   * SASL listener stays on SASL listeners); the first advertised listener's when it is not given
   * or a broker does not have it.
   */
  brokers(listenerName?: string): readonly BrokerEndpoint[]
  broker(nodeId: number, listenerName?: string): BrokerEndpoint | undefined
  /** The controller's node id, or -1 while there is none. */
  controllerId(): number
}

/** The view of a broker that is a cluster of one. */
export function soleBrokerView(nodeId: number, rack: string | null, advertisedListeners: () => readonly Listener[]): ClusterView {
  const self = (listenerName: string | undefined): BrokerEndpoint | undefined => {
    const all = advertisedListeners()
    const listener = all.find((l) => l.name === listenerName) ?? all[0]
    return listener === undefined ? undefined : { nodeId, host: listener.host, port: listener.port, rack }
  }
  return {
    brokers: (listenerName) => {
      const endpoint = self(listenerName)
      return endpoint === undefined ? [] : [endpoint]
    },
    broker: (id, listenerName) => (id === nodeId ? self(listenerName) : undefined),
    controllerId: () => nodeId,
  }
}
