/**
 * The run's accounts, which the harness counts rather than assumes: the producers' acknowledged
 * messages against what the partitions' end offsets say was appended, and, per subscription,
 * the messages its consumers received against the same offsets, with gaps (offsets that never
 * arrived), repeats and partitions left unread named.
 */
import type { SubscriptionCheck, Verification } from './run-result.js'
import { type ConsumedPartition, type ProducedPartition, partitionKey } from './worker-messages.js'
import type { Workload } from './workloads.js'

export function verify(
  workload: Workload,
  produced: readonly ProducedPartition[],
  consumed: readonly ConsumedPartition[],
  endOffsets: ReadonlyMap<string, number>,
  failedSends: number,
  drained: boolean,
): Verification {
  const problems: string[] = []
  const acknowledged = produced.reduce((n, p) => n + p.acknowledged, 0)
  const starts = new Map<string, number>()
  for (const c of consumed) starts.set(partitionKey(c.topic, c.partition), c.startOffset)
  let appended = 0
  for (const [key, end] of endOffsets) {
    const start = starts.get(key)
    if (start === undefined) problems.push(`no consumer read partition ${key}`)
    else appended += end - start
  }

  const subscriptions: SubscriptionCheck[] = []
  for (let subscription = 0; subscription < workload.subscriptionsPerTopic; subscription++) {
    const mine = consumed.filter((c) => c.subscription === subscription)
    const read = new Set(mine.map((c) => partitionKey(c.topic, c.partition)))
    let expected = 0
    let partitionsBehind = 0
    for (const c of mine) {
      const end = endOffsets.get(partitionKey(c.topic, c.partition)) ?? c.startOffset
      expected += end - c.startOffset
      if (c.nextOffset < end) partitionsBehind++
    }
    const check: SubscriptionCheck = {
      subscription,
      expected,
      received: mine.reduce((n, c) => n + c.received, 0),
      missing: mine.reduce((n, c) => n + c.missing, 0),
      duplicates: mine.reduce((n, c) => n + c.duplicates, 0),
      partitionsBehind,
    }
    subscriptions.push(check)
    const name = `subscription ${subscription}`
    for (const key of endOffsets.keys()) if (!read.has(key)) problems.push(`${name} has no consumer for ${key}`)
    if (check.received !== check.expected) problems.push(`${name} received ${check.received} of the ${check.expected} messages appended`)
    if (check.missing > 0) problems.push(`${name} saw ${check.missing} offsets skipped (gaps between consecutive messages)`)
    if (check.duplicates > 0) problems.push(`${name} received ${check.duplicates} messages twice`)
    if (check.partitionsBehind > 0) problems.push(`${name} left ${check.partitionsBehind} partitions short of their end offset`)
  }
  if (workload.acks !== 0 && acknowledged !== appended) {
    problems.push(`the producers saw ${acknowledged} messages acknowledged but the partitions gained ${appended}`)
  }
  if (failedSends > 0) problems.push(`${failedSends} messages failed to send`)
  if (!drained) problems.push('the consumers did not reach the end offsets in time')
  const logAppendTimeRecords = consumed.reduce((n, c) => n + c.logAppendTime, 0)
  if (logAppendTimeRecords > 0) problems.push(`${logAppendTimeRecords} records carried LogAppendTime, so their end-to-end latency is not measured`)
  return { acknowledged, failedSends, appended, subscriptions, logAppendTimeRecords, ok: problems.length === 0, problems }
}
