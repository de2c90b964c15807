/** GET /brokers: the ids of the live brokers, `{"brokers": [1, 2, 3]}`. */
import type { HttpServer } from '../uws.js'
import { requireV2Accept } from './content-types.js'
import { restRoute } from './exchange.js'
import type { RestContext } from './rest-context.js'

export function brokerRoutes(server: HttpServer, context: RestContext): void {
  server.route('get', '/brokers', restRoute(context.logger, (exchange) => {
    requireV2Accept(exchange.request.headers.get('accept'))
    return { body: { brokers: context.broker.cluster.brokers().map((b) => b.nodeId).sort((a, b) => a - b) } }
  }))
}
