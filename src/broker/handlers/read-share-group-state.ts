/**
 * ReadShareGroupState: decode, read each share-partition's state from the share coordinator
 * (recording the reader's leader epoch, which fences older leaders), encode. From other
 * brokers only: the share-partition leaders.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { wireBatches } from '../../group/share/coordinator/share-coordinator-records.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { answerSharePartitions, refuseSharePartitions } from './share-state-partitions.js'

const refuse = (partition: number, errorCode: number, errorMessage: string | null) => ({ partition, errorCode, errorMessage, stateEpoch: 0, startOffset: -1n, stateBatches: [] })

export function readShareGroupStateHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.ReadShareGroupState,
    advertised: { min: 0, max: 0 },
    async handle(request, context) {
      const results = await answerSharePartitions(
        broker,
        context,
        request,
        async (coordinator, key, p) => {
          const state = await coordinator.read(key, p.leaderEpoch)
          return {
            partition: p.partition,
            errorCode: state.errorCode,
            errorMessage: state.errorMessage,
            stateEpoch: state.stateEpoch,
            startOffset: BigInt(state.startOffset),
            stateBatches: wireBatches(state.stateBatches),
          }
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
