/**
 * How the transaction coordinator's markers reach partitions (the TxnMarkerTransport its marker
 * channel drives): a partition's leader comes from the metadata; markers for partitions led here
 * are written through the local writeTxnMarkers service, those led elsewhere go to their leader
 * as one WriteTxnMarkers request per broker, over this broker's peer connections.
 */
import { ApiKeys } from '../protocol/api-keys.js'
import type { MetadataStore } from '../metadata/metadata-store.js'
import type { ReplicaManager } from '../replication/replica-manager.js'
import { writeTxnMarkers } from '../replication/txn-markers.js'
import type { MarkerResult, TxnMarker, TxnMarkerTransport } from '../transaction/txn-marker-channel.js'
import type { PeerBrokers } from './peer-brokers.js'

/** Added to the ISR wait for a remote write: the request's trip and the peer's queue. */
const NETWORK_SLACK_MS = 5000

export function txnMarkerTransport(nodeId: number, metadata: MetadataStore, replicas: ReplicaManager, peers: PeerBrokers, timeoutMs: number): TxnMarkerTransport {
  return {
    leaderOf(topic, partition) {
      const known = metadata.topic(topic)
      if (known === undefined || partition < 0 || partition >= known.partitions) return null
      return metadata.partitionState(topic, partition)?.leader ?? -1
    },

    async write(brokerId: number, marker: TxnMarker): Promise<readonly MarkerResult[]> {
      const topics = new Map<string, number[]>()
      for (const { topic, partition } of marker.partitions) {
        let list = topics.get(topic)
        if (list === undefined) topics.set(topic, (list = []))
        list.push(partition)
      }
      const results: MarkerResult[] = []
      if (brokerId === nodeId) {
        const [answer] = await writeTxnMarkers(
          replicas,
          [
            {
              producerId: marker.producerId,
              producerEpoch: marker.producerEpoch,
              coordinatorEpoch: marker.coordinatorEpoch,
              committed: marker.committed,
              topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
            },
          ],
          timeoutMs,
        )
        for (const t of answer?.topics ?? []) for (const p of t.partitions) results.push({ topic: t.name, partition: p.partition, errorCode: p.errorCode })
        return results
      }
      const response = await peers.request(
        brokerId,
        ApiKeys.WriteTxnMarkers,
        {
          markers: [
            {
              producerId: BigInt(marker.producerId),
              producerEpoch: marker.producerEpoch,
              transactionResult: marker.committed,
              coordinatorEpoch: marker.coordinatorEpoch,
              topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
            },
          ],
        },
        { timeoutMs: timeoutMs + NETWORK_SLACK_MS },
      )
      for (const m of response.markers) {
        for (const t of m.topics) for (const p of t.partitions) results.push({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })
      }
      return results
    },
  }
}
