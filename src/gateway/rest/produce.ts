/**
 * Produce: POST /topics/{topic} and POST /topics/{topic}/partitions/{p}, with records in the
 * json or binary embedded format (the Content-Type says which), answered with
 * `{"key_schema_id": null, "value_schema_id": null, "offsets": [{partition, offset, error_code,
 * error}]}`, one entry per record in request order. acks=all: an offset is given only once the
 * in-sync replicas have the record. See records/produce-records.ts for the service.
 */
import type { HttpServer } from '../uws.js'
import { producedFormat, requireV2Accept } from './content-types.js'
import { EncodedJson, partitionParam, restRoute } from './exchange.js'
import { encodeProduceResponse } from './produce-response.js'
import type { RestContext } from './rest-context.js'
import type { HttpExchange } from '../uws.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

export function produceRoutes(server: HttpServer, context: RestContext): void {
  const produce = async (exchange: HttpExchange, topic: string, partition: number) => {
    requireV2Accept(exchange.request.headers.get('accept'))
    context.authorization.require(exchange, AclOperation.WRITE, ResourceType.TOPIC, topic)
    const format = producedFormat(exchange.request.headers.get('content-type'))
    const body = await exchange.body()
    const offsets = await context.produce.produce({ topic, partition, format, body })
    return { body: new EncodedJson(encodeProduceResponse(offsets)) }
  }
  const limit = { maxBodyBytes: context.maxBodyBytes, reads: { headers: ['accept', 'content-type'] } }
  server.route('post', '/topics/:topic', restRoute(context.logger, (exchange) => produce(exchange, exchange.request.params[0]!, -1)), limit)
  server.route('post', '/topics/:topic/partitions/:partition', restRoute(context.logger, (exchange) => {
    const [topic, text] = exchange.request.params as [string, string]
    return produce(exchange, topic, partitionParam(text, topic))
  }), limit)
}
