/**
 * The cluster id (Kafka's `cluster.id`, reported in Metadata responses) for a cluster whose
 * metadata lives in etcd: the first broker to start creates `<prefix>/cluster-id`, every broker
 * after it reads the same value. Create-if-absent in one transaction, so two brokers starting
 * together cannot end up with different ids.
 */
import { randomUuid } from '../common/uuid.js'
import type { EtcdConnection } from './etcd-connection.js'

/** Returns the cluster's id, creating it (as `proposed`, a new random UUID by default) if absent. */
export async function ensureClusterId(connection: EtcdConnection, proposed: string = randomUuid()): Promise<string> {
  const key = connection.key('cluster-id')
  const result = await connection.txn(
    [{ key, target: 'create', result: '=', value: 0 }],
    [{ op: 'put', key, value: proposed }],
    [{ op: 'get', key }],
  )
  return result.succeeded ? proposed : result.reads[0]![0]!.value
}
