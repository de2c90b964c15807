/**
 * The open Kafka connections of one broker, over all its listeners: who is connected (address,
 * listener, principal, client id, and the client software each named in ApiVersions v3+, KIP-511)
 * and what each has cost, for the console's Clients view and /metrics.
 *
 * Kafka shows the same thing as the socket-server metric `connections`, tagged
 * clientSoftwareName, clientSoftwareVersion and listener; softwareCounts() is its source here.
 * A connection that has not named its software (ApiVersions below v3, as kafkajs sends, or no
 * ApiVersions at all) counts as "unknown" / "unknown", Kafka's placeholder.
 *
 * Nothing here runs per request: listeners add a connection when it is accepted and remove it
 * when its socket closes, and readers walk the set when they are asked (a scrape, a page poll).
 */
import { principalToString } from '../common/kafka-principal.js'
import type { KafkaConnection } from './connection.js'

/** Kafka's ClientInformation.UNKNOWN_NAME_OR_VERSION: what a client that never said is called. */
export const UNKNOWN_SOFTWARE = 'unknown'

/** One open connection as the console shows it. */
export interface ClientConnection {
  /** The listener's number for the connection (unique within its listener). */
  readonly id: number
  readonly listener: string
  /** host:port of the client ([v6]:port for IPv6). */
  readonly address: string
  readonly principal: string
  /** The client id of its latest request; null when it sent none or has sent no request yet. */
  readonly clientId: string | null
  readonly softwareName: string
  readonly softwareVersion: string
  /** When the connection was accepted, ms since the epoch. */
  readonly connectedAt: number
  readonly requests: number
  readonly bytesIn: number
  readonly bytesOut: number
}

/** Kafka's `connections` gauge: open connections per listener and client software. */
export interface SoftwareConnections {
  readonly listener: string
  readonly softwareName: string
  readonly softwareVersion: string
  readonly connections: number
}

/** Connections accepted and closed on one listener since the broker started. */
export interface ListenerConnectionTotals {
  readonly listener: string
  readonly created: number
  readonly closed: number
}

export class ConnectionRegistry {
  readonly #open = new Set<KafkaConnection>()
  readonly #totals = new Map<string, { created: number; closed: number }>()

  /** Counts a listener's totals from its start, so a listener with no connection yet shows 0s. */
  addListener(listener: string): void {
    if (!this.#totals.has(listener)) this.#totals.set(listener, { created: 0, closed: 0 })
  }

  /** A connection the listener now serves (after its limits and any TLS handshake). */
  add(connection: KafkaConnection): void {
    this.#open.add(connection)
    this.#listenerTotals(connection.listenerName).created++
  }

  /** Its socket closed; safe to call more than once. */
  remove(connection: KafkaConnection): void {
    if (this.#open.delete(connection)) this.#listenerTotals(connection.listenerName).closed++
  }

  get size(): number {
    return this.#open.size
  }

  /** Every open connection, oldest first (a Set keeps insertion order). */
  connections(): ClientConnection[] {
    const result: ClientConnection[] = []
    for (const c of this.#open) {
      result.push({
        id: c.id,
        listener: c.listenerName,
        address: c.remoteAddress.includes(':') ? `[${c.remoteAddress}]:${c.remotePort}` : `${c.remoteAddress}:${c.remotePort}`,
        principal: principalToString(c.principal),
        clientId: c.clientId ?? null,
        softwareName: c.clientSoftware?.name ?? UNKNOWN_SOFTWARE,
        softwareVersion: c.clientSoftware?.version ?? UNKNOWN_SOFTWARE,
        connectedAt: c.connectedAt,
        requests: c.requestsServed,
        bytesIn: c.bytesIn,
        bytesOut: c.bytesOut,
      })
    }
    return result
  }

  /** Open connections per listener and client software (name, version), as Kafka's gauge. */
  softwareCounts(): SoftwareConnections[] {
    const counts = new Map<string, { listener: string; softwareName: string; softwareVersion: string; connections: number }>()
    for (const c of this.#open) {
      const softwareName = c.clientSoftware?.name ?? UNKNOWN_SOFTWARE
      const softwareVersion = c.clientSoftware?.version ?? UNKNOWN_SOFTWARE
      // NUL cannot occur in a listener name or in KIP-511's [a-zA-Z0-9.-] fields.
      const key = `${c.listenerName}\0${softwareName}\0${softwareVersion}`
      const entry = counts.get(key)
      if (entry === undefined) counts.set(key, { listener: c.listenerName, softwareName, softwareVersion, connections: 1 })
      else entry.connections++
    }
    return [...counts.values()]
  }

  /** Connections accepted and closed per listener since the start. */
  totals(): ListenerConnectionTotals[] {
    return [...this.#totals].map(([listener, { created, closed }]) => ({ listener, created, closed }))
  }

  #listenerTotals(listener: string): { created: number; closed: number } {
    let totals = this.#totals.get(listener)
    if (totals === undefined) {
      totals = { created: 0, closed: 0 }
      this.#totals.set(listener, totals)
    }
    return totals
  }
}
