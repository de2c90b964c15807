/**
 * What the broker counts for its metrics beyond what its services already hold, made by the
 * composition root (src/server.ts) once per broker, so two brokers in one process keep separate
 * counts. The rest is read where it lives when /metrics is scraped: per-topic traffic and ISR
 * changes on the ReplicaManager (replication-counters.ts), purgatory sizes, partition states,
 * groups and offsets from their services.
 */
import { RequestMetrics } from './request-metrics.js'

/** Open connections of one Kafka listener. */
export interface ListenerConnections {
  readonly listener: string
  readonly connections: number
}

/** Connections the listeners' limits refused, per setting, and delayed by the creation rate. */
export interface ConnectionRefusals {
  readonly 'max.connections': number
  readonly 'max.connections.per.ip': number
  readonly throttled: number
}

export class BrokerMetrics {
  /** Requests and their total time per request type, recorded by the request processor. */
  readonly requests = new RequestMetrics()
  #listenerConnections: () => readonly ListenerConnections[] = () => []
  #refusals: () => ConnectionRefusals = () => ({ 'max.connections': 0, 'max.connections.per.ip': 0, throttled: 0 })

  /** Open connections per Kafka listener, now. */
  listenerConnections(): readonly ListenerConnections[] {
    return this.#listenerConnections()
  }

  /** Where the connection counts come from, once the listeners are bound. */
  countConnectionsWith(source: () => readonly ListenerConnections[]): void {
    this.#listenerConnections = source
  }

  /** Connections refused or delayed by the connection limits so far. */
  connectionRefusals(): ConnectionRefusals {
    return this.#refusals()
  }

  /** Where the refusal counts come from, once the listeners' limits exist. */
  countRefusalsWith(source: () => ConnectionRefusals): void {
    this.#refusals = source
  }
}
