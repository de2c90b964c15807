/**
 * ReadShareGroupStateSummary: decode, read each share-partition's state epoch and start offset
 * from the share coordinator, encode. From other brokers only: the admin side of share groups.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { answerSharePartitions, refuseSharePartitions } from './share-state-partitions.js'

const refuse = (partition: number, errorCode: number, errorMessage: string | null) => ({ partition, errorCode, errorMessage, stateEpoch: 0, startOffset: -1n })

export function readShareGroupStateSummaryHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.ReadShareGroupStateSummary,
    advertised: { min: 0, max: 0 },
    async handle(request, context) {
      const results = await answerSharePartitions(
        broker,
        context,
        request,
        async (coordinator, key, p) => {
          const summary = await coordinator.readSummary(key)
          return { partition: p.partition, errorCode: summary.errorCode, errorMessage: summary.errorMessage, stateEpoch: summary.stateEpoch, startOffset: BigInt(summary.startOffset) }
        },
        refuse,
      )
      return { results }
    },
    errorResponse(request, errorCode) {
      return { results: refuseSharePartitions(request, refuse, errorCode) }
    },
  })
}
