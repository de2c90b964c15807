/**
 * The web console, served by the gateway itself: the page at /, its assets under /console/, and
 * the JSON API they call under /api/ (api/: cluster, connected clients, topics, topic configs,
 * groups, offsets, and records with their timestamps and headers for the message browser). Producing and the live
 * tail use the gateway's REST Proxy and WebSocket routes, the same ones scripts use.
 *
 * The UI is plain ES modules, hand-written CSS and SVG charts: no framework, no bundler, no CDN.
 * The pages are a handful of tables, forms and two charts, which the browser's own DOM does
 * well; a framework would add a build step (or a vendored runtime) to the broker's package and
 * something to keep patched, for little gain at this size. Every URL is relative to the page,
 * so the console works through any host name, port or reverse proxy the browser reaches the
 * broker by.
 */
import { workerPool } from '../../workers/pool.js'
import type { GatewayModule, GatewayServices } from '../gateway.js'
import { GroupCoordinators } from '../records/group-coordinator-service.js'
import { PartitionPositions } from '../records/partition-positions.js'
import { PartitionReader } from '../records/partition-reader.js'
import type { HttpServer } from '../uws.js'
import { clientRoutes } from './api/clients.js'
import { clusterRoutes } from './api/cluster.js'
import { groupRoutes } from './api/groups.js'
import { offsetRoutes } from './api/offsets.js'
import { recordRoutes } from './api/records.js'
import { topicConfigRoutes } from './api/topic-configs.js'
import { topicRoutes } from './api/topics.js'
import { StaticFiles, UI_DIRECTORY } from './static-files.js'

export function consoleModule(server: HttpServer, services: GatewayServices): GatewayModule | void {
  const { broker, peers } = services
  const positions = new PartitionPositions(broker, peers)
  const coordinators = new GroupCoordinators(broker, peers)
  clusterRoutes(server, services)
  clientRoutes(server, services)
  topicRoutes(server, services, positions)
  topicConfigRoutes(server, services)
  offsetRoutes(server, services, coordinators, positions)
  groupRoutes(server, services, coordinators, positions)
  const remote = { nodeId: broker.nodeId, metadata: broker.metadata, peers }
  recordRoutes(server, services, new PartitionReader({ replicas: broker.replicas, pool: workerPool(), fetchMaxBytes: broker.config.get('fetch.max.bytes'), remote }))

  const files = new StaticFiles(UI_DIRECTORY)
  server.route('get', '/', (exchange) => {
    files.serve(exchange, 'index.html')
  })
  server.route('get', '/console/*', (exchange) => {
    const path = exchange.request.path.slice('/console/'.length)
    if (!files.serve(exchange, path)) {
      exchange.json(404, { error_code: 404, message: `The console has no file ${path}.` })
    }
  })
}
