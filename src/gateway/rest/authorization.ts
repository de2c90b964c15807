/**
 * ACL checks for REST requests: the request's principal (gateway.auth=basic) asked the same
 * question the Kafka handlers ask (produce: WRITE on the topic; reads: READ, metadata: DESCRIBE;
 * consumer instances: READ on the group), refused with 403 and Confluent's code 40301.
 *
 * Each principal gets one stand-in connection, so the authorizer's per-connection decision cache
 * works for HTTP too: a busy REST client pays a Map lookup per check, as a Kafka client does.
 * The host ACLs see is the HTTP peer's address where the route reads it, else '' (only `*` host
 * ACLs match then).
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import { principalToString } from '../../common/kafka-principal.js'
import type { ConnectionInfo } from '../../network/connection.js'
import { operationName, resourceTypeName } from '../../security/acl.js'
import { ProxyError } from '../records/proxy-error.js'
import type { HttpExchange } from '../uws.js'

const MAX_PRINCIPALS = 10_000

export class RestAuthorization {
  readonly #broker: BrokerContext
  readonly #connections = new Map<string, ConnectionInfo>()

  constructor(broker: BrokerContext) {
    this.#broker = broker
  }

  /** May the request's principal do this? */
  allowed(exchange: HttpExchange, operation: number, resourceType: number, name: string, logIfDenied = true): boolean {
    const authorizer = this.#broker.authorizer
    if (!authorizer.enabled) return true
    return authorizer.authorize({ connection: this.#connection(exchange), header: NOT_KAFKA, requestName: 'HTTP' }, operation, resourceType, name, logIfDenied)
  }

  /** Throws 403 (40301) unless the request's principal may do this. */
  require(exchange: HttpExchange, operation: number, resourceType: number, name: string): void {
    if (this.allowed(exchange, operation, resourceType, name)) return
    throw new ProxyError(403, 40301, `Not authorized: ${principalToString(exchange.principal)} may not ${operationName(operation)} ${resourceTypeName(resourceType)} '${name}'.`)
  }

  #connection(exchange: HttpExchange): ConnectionInfo {
    const principal = exchange.principal
    const host = exchange.request.remoteAddress
    const key = `${principal.principalType}:${principal.name}\u0000${host}`
    let connection = this.#connections.get(key)
    if (connection === undefined) {
      if (this.#connections.size >= MAX_PRINCIPALS) this.#connections.clear()
      connection = { id: -1, remoteAddress: host, remotePort: 0, localPort: 0, listenerName: 'HTTP', principal }
      this.#connections.set(key, connection)
    }
    return connection
  }
}

/** REST requests have no Kafka API key; the authorizer's log calls them 'HTTP'. */
const NOT_KAFKA = { apiKey: -1 }
