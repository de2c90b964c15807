/**
 * Consumer-group metrics under kafka_exporter's names, for the groups this broker coordinates
 * (each group has one coordinator, so over a cluster each group is reported once):
 *
 * - kafka_consumergroup_current_offset{consumergroup,topic,partition}: the committed offset;
 * - kafka_consumergroup_lag{...}: high watermark - committed offset, computed now, for the
 *   partitions whose high watermark this broker knows (it hosts them); in a cluster a partition
 *   hosted elsewhere has a committed offset here but no lag;
 * - kafka_consumergroup_current_offset_sum and kafka_consumergroup_lag_sum{consumergroup,topic};
 * - kafka_consumergroup_members{consumergroup}.
 *
 * Read through the coordinator's public calls (listGroups, fetchOffsets, describeGroup), as an
 * admin client would ask, so the metrics need nothing private from it. The event loop is given
 * back between groups once SLICE partitions were written, as for the partition families.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { BrokerContext } from '../../broker/broker-context.js'
import { type Exposition, labels } from './exposition.js'
import { SLICE } from './partition-families.js'

export async function writeGroupFamilies(out: Exposition, broker: BrokerContext): Promise<void> {
  const currentOffset = out.family('kafka_consumergroup_current_offset', 'gauge', 'Committed offset of a consumer group at a partition.')
  const currentOffsetSum = out.family('kafka_consumergroup_current_offset_sum', 'gauge', 'Sum of a consumer group\'s committed offsets over a topic\'s partitions.')
  const lag = out.family('kafka_consumergroup_lag', 'gauge', 'High watermark minus the committed offset of a consumer group at a partition.')
  const lagSum = out.family('kafka_consumergroup_lag_sum', 'gauge', 'Lag of a consumer group summed over a topic\'s partitions.')
  const members = out.family('kafka_consumergroup_members', 'gauge', 'Members of a consumer group.')

  const groups = broker.groups
  let written = 0
  for (const { groupId } of groups.listGroups([], []).groups) {
    if (written >= SLICE) {
      written = 0
      await nextTurn()
    }
    const group = labels({ consumergroup: groupId })
    members.add(group, groups.describeGroup(groupId).members.length)
    for (const topic of groups.fetchOffsets(groupId, null).topics) {
      let offsetSum = 0
      let topicLag = 0
      let lagKnown = false
      for (const { partitionIndex, committed } of topic.partitions) {
        if (committed.offset < 0) continue
        const where = labels({ consumergroup: groupId, topic: topic.name, partition: partitionIndex })
        currentOffset.add(where, committed.offset)
        written++
        offsetSum += committed.offset
        const partition = broker.replicas.partition(topic.name, partitionIndex)
        if (partition === undefined) continue
        // A commit past the high watermark (a reset ahead, a truncated log) is no lag, not negative lag.
        const behind = Math.max(0, partition.highWatermark - committed.offset)
        lag.add(where, behind)
        topicLag += behind
        lagKnown = true
      }
      const groupTopic = labels({ consumergroup: groupId, topic: topic.name })
      currentOffsetSum.add(groupTopic, offsetSum)
      if (lagKnown) lagSum.add(groupTopic, topicLag)
    }
  }
}
