/**
 * InitializeShareGroupState: decode, have the share coordinator start each share-partition
 * afresh at the state epoch and start offset given, encode. From other brokers only.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { answerSharePartitions, refuseSharePartitions } from './share-state-partitions.js'

const refuse = (partition: number, errorCode: number, errorMessage: string | null) => ({ partition, errorCode, errorMessage })

export function initializeShareGroupStateHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.InitializeShareGroupState,
    advertised: { min: 0, max: 0 },
    async handle(request, context) {
      const results = await answerSharePartitions(broker, context, request, async (coordinator, key, p) => ({ partition: p.partition, ...(await coordinator.initialize(key, p.stateEpoch, Number(p.startOffset))) }), refuse)
      return { results }
    },
    errorResponse(request, errorCode) {
      return { results: refuseSharePartitions(request, refuse, errorCode) }
    },
  })
}
