/**
 * What request handlers know of the cluster beyond this broker: the live brokers with the
 * endpoints clients should use, and the controller. A single broker is the whole cluster and its
 * own controller (soleBrokerView); in cluster mode the view follows the broker registry and the
 * controller election in etcd.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls'
import type { Listener } from '../common/config/broker-config.js'
import type { SaslCredentials } from '../client/sasl-login.js'

export interface BrokerEndpoint {
  readonly nodeId: number
  readonly host: string
  readonly port: number
  readonly rack: string | null
}

/**
 * How this broker reaches another one (replication, the gateway's peer requests): the peer's
 * endpoint on the inter-broker listener, and the TLS client options when that listener uses TLS.
 */
export interface PeerEndpoint {
  readonly brokerId: number
  readonly host: string
  readonly port: number
  readonly tls: TlsOptions | null
  /** This broker's login when the inter-broker listener is SASL_*. */
  readonly sasl?: SaslCredentials
}

export interface ClusterView {
  /**
   * Live brokers, by node id, at their endpoint on `listenerName` (Kafka's rule: a client is told
   * the addresses of the listener it connected through, and brokers without that listener are
   * left out). Without a listener name: each broker's first advertised endpoint.
   */
  brokers(listenerName?: string): readonly BrokerEndpoint[]
  broker(nodeId: number, listenerName?: string): BrokerEndpoint | undefined
  /** The controller's node id, or -1 while there is none. */
  controllerId(): number
}

/** The view of a broker that is a cluster of one. */
export function soleBrokerView(nodeId: number, rack: string | null, advertisedListeners: () => readonly Listener[]): ClusterView {
  const self = (listenerName: string | undefined): BrokerEndpoint | undefined => {
    const listeners = advertisedListeners()
    const listener = listenerName === undefined ? listeners[0] : listeners.find((l) => l.name === listenerName)
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
