/**
 * WriteShareGroupState: decode, have the share coordinator take each share-partition's new
 * state in (durably, acks=all) unless its leader or state epoch is fenced, encode. From other
 * brokers only: the share-partition leaders.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { numberBatches } from '../../group/share/coordinator/share-coordinator-records.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { answerSharePartitions, refuseSharePartitions } from './share-state-partitions.js'

const refuse = (partition: number, errorCode: number, errorMessage: string | null) => ({ partition, errorCode, errorMessage })

export function writeShareGroupStateHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.WriteShareGroupState,
    advertised: { min: 0, max: 0 },
    async handle(request, context) {
      const results = await answerSharePartitions(
        broker,
        context,
        request,
        async (coordinator, key, p) => ({
          partition: p.partition,
          ...(await coordinator.write(key, {
            stateEpoch: p.stateEpoch,
            leaderEpoch: p.leaderEpoch,
            startOffset: Number(p.startOffset),
            stateBatches: numberBatches(p.stateBatches),
          })),
        }),
        refuse,
      )
      return { results }
    },
    errorResponse(request, errorCode) {
      return { results: refuseSharePartitions(request, refuse, errorCode) }
    },
  })
}
