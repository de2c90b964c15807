/**
 * Liveness and readiness for load balancers and orchestrators (Kubernetes probes):
 * - GET /health/live: 200 as long as the process serves HTTP at all;
 * - GET /health/ready: 200 once the logs are loaded, the listeners bound and, in a cluster, the
 *   broker registered; 503 before that and while shutting down.
 */
import type { HttpServer } from './uws.js'

export function healthRoutes(server: HttpServer, health: { readonly ready: boolean }): void {
  server.route('get', '/health/live', (exchange) => {
    exchange.json(200, { status: 'UP' })
  })
  server.route('get', '/health/ready', (exchange) => {
    if (health.ready) exchange.json(200, { status: 'UP' })
    else exchange.json(503, { status: 'DOWN', message: 'The broker is not ready: it is loading its logs, joining its cluster or shutting down.' })
  })
}
