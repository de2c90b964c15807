/**
 * The HTTP gateway: one uWS server per broker, on `http.port` (default 8082), serving the REST
 * Proxy v2 API, WebSocket streams, Prometheus /metrics, health and the web console.
 *
 * Its life follows the broker's: `listen` binds the port before the logs load (so /health/live
 * answers and a busy port stops the start at once), `serve` adds the routes once the broker's
 * services exist, `markReady` flips /health/ready, and `close` drops every connection. Until
 * `serve`, other paths get 503 with a message saying the broker is starting.
 *
 * The gateway calls the same services as the Kafka handlers (produce, fetch, metadata, groups);
 * it never goes through a Kafka client to its own broker. In a cluster, what another broker
 * serves (a partition it leads, a group it coordinates) is reached over the Kafka protocol
 * through `peers` (src/broker/peer-brokers.ts), so every broker's gateway serves the whole cluster;
 * /metrics stays per broker, as Kafka's brokers are each scraped.
 */
import type { BrokerContext } from '../broker/broker-context.js'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import type { Logger } from '../common/logger.js'
import { healthRoutes } from './health.js'
import { PeerBrokers } from '../broker/peer-brokers.js'
import { type HttpAuthenticator, HttpServer, type HttpsOptions, nativeHttpServer } from './uws.js'
export type { HttpsOptions } from './uws.js'

/** What the gateway's route modules may use. */
export interface GatewayServices {
  readonly broker: BrokerContext
  readonly logger: Logger
  /** Kafka connections to the other brokers of the cluster, for partitions and groups served elsewhere. */
  readonly peers: PeerBrokers
}

/** What a route module leaves running (timers, sessions), stopped when the gateway closes. */
export interface GatewayModule {
  close(): void | Promise<void>
}

/** Registers a module's routes on the server. */
export type GatewayModuleFactory = (server: HttpServer, services: GatewayServices) => GatewayModule | void

export interface GatewayOptions {
  readonly host: string
  readonly port: number
  /** HTTPS with these PEM files (http.ssl.*); null for plain HTTP. */
  readonly tls?: HttpsOptions | null
  readonly logger: Logger
}

export class HttpGateway {
  readonly host: string
  readonly port: number
  readonly #server: HttpServer
  readonly #logger: Logger
  readonly #modules: GatewayModule[] = []
  readonly #health: { ready: boolean; serving: boolean }
  #peers: PeerBrokers | null = null
  #closed = false
  readonly #https: boolean

  private constructor(host: string, port: number, server: HttpServer, logger: Logger, health: { ready: boolean; serving: boolean }, https: boolean) {
    this.#https = https
    this.host = host
    this.port = port
    this.#server = server
    this.#logger = logger
    this.#health = health
  }

  /** Binds the port; fails with a SAMSA_CONFIG error naming the address when it is taken. */
  static async listen(options: GatewayOptions): Promise<HttpGateway> {
    const logger = options.logger
    const tls = options.tls ?? null
    const server = new HttpServer((error, request) => logger.error('HTTP request failed', { method: request.method, path: request.path, error }), tls)
    const health = { ready: false, serving: false }
    healthRoutes(server, health)
    server.route('any', '/*', (exchange) => {
      if (health.serving) {
        exchange.json(404, { error_code: 404, message: `HTTP 404 Not Found: no route for ${exchange.request.method.toUpperCase()} ${exchange.request.path}` })
      } else {
        exchange.json(503, { error_code: 503, message: 'The broker is starting (loading its logs); try again shortly.' })
      }
    }, { reads: { headers: [] } })
    let port: number
    try {
      port = await server.listen(options.host, options.port)
    } catch (error) {
      server.close()
      throw new SamsaError(
        ErrorCodes.CONFIG,
        `Cannot serve HTTP on ${options.host}:${options.port}: the port is in use or the address is not available. ` +
          'Pass --http-port with a free port (property http.port), or --http-port 0 to turn the HTTP gateway off.',
        { cause: error },
      )
    }
    if (!nativeHttpServer) logger.warn('uWebSockets.js native binary did not load; the HTTP gateway runs on its slow JavaScript fallback')
    return new HttpGateway(options.host, port, server, logger, health, tls !== null)
  }

  /** The gateway's base URL, e.g. http://127.0.0.1:8082/ (https:// with http.ssl.*). */
  get url(): string {
    return `${this.#https ? 'https' : 'http'}://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}/`
  }

  /** Every route but /health/* requires the authenticator's credentials from now on (gateway.auth=basic). */
  requireAuthentication(authenticator: HttpAuthenticator): void {
    this.#server.requireAuthentication(authenticator)
  }

  /** Adds the routes of every module, now that the broker's services exist. */
  serve(broker: Omit<GatewayServices, 'peers'>, modules: readonly GatewayModuleFactory[]): void {
    // One set of peer connections per gateway, shared by its modules and closed with it.
    this.#peers = new PeerBrokers(broker.broker.nodeId, broker.broker.peerEndpoint)
    const services: GatewayServices = { ...broker, peers: this.#peers }
    for (const factory of modules) {
      const module = factory(this.#server, services)
      if (module !== undefined) this.#modules.push(module)
    }
    this.#health.serving = true
  }

  /** /health/ready answers 200 from now on. */
  markReady(): void {
    this.#health.ready = true
  }

  /** Stops every module and closes every HTTP and WebSocket connection. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#health.ready = false
    for (const module of this.#modules.splice(0)) {
      try {
        await module.close()
      } catch (error) {
        this.#logger.warn('gateway module did not close cleanly', { error })
      }
    }
    this.#peers?.close()
    this.#server.close()
  }
}
