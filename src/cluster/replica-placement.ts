/**
 * Where a new partition's replicas go, as Kafka's replica assignment spreads them
 * (AdminUtils.assignReplicasToBrokers): the first replica of partition p goes to broker
 * (start + p) mod n, so leaders spread evenly; the others follow at a shift that changes every
 * n partitions, so followers of one broker's leaders spread over all other brokers too. The
 * random start and shift keep many small topics from all leading on the same broker.
 *
 * With broker.rack set on every broker, the brokers are first interleaved by rack (a1, b1, c1,
 * a2, b2, ...), and each further replica skips brokers on a rack (or the broker) already used
 * until every rack has one, so a partition survives the loss of a rack.
 */

export interface PlacementBroker {
  readonly nodeId: number
  readonly rack: string | null
}

/** Random integers in [0, bound), injectable for tests. */
export type RandomInt = (bound: number) => number

const defaultRandom: RandomInt = (bound) => Math.floor(Math.random() * bound)

/**
 * Replicas for partitions `firstPartition` .. `firstPartition + partitions - 1`. The caller has
 * checked that 1 ≤ replicationFactor ≤ brokers.length.
 */
export function assignReplicas(
  brokers: readonly PlacementBroker[],
  partitions: number,
  replicationFactor: number,
  options: { readonly firstPartition?: number; readonly random?: RandomInt } = {},
): number[][] {
  const random = options.random ?? defaultRandom
  const racksKnown = brokers.length > 0 && brokers.every((b) => b.rack !== null)
  const ordered = racksKnown ? interleaveByRack(brokers) : [...brokers].sort((a, b) => a.nodeId - b.nodeId)
  const n = ordered.length
  const start = random(n)
  let shift = random(n)
  const first = options.firstPartition ?? 0
  const rackCount = new Set(ordered.map((b) => b.rack)).size
  const result: number[][] = []
  for (let i = 0; i < partitions; i++) {
    const p = first + i
    if (p > 0 && p % n === 0) shift++
    const leaderIndex = (p + start) % n
    const replicas = [ordered[leaderIndex]!]
    if (!racksKnown) {
      for (let j = 0; j < replicationFactor - 1; j++) replicas.push(ordered[(leaderIndex + replicaShift(shift, j, n)) % n]!)
    } else {
      // Walk on from the leader's position, preferring brokers on racks not used yet.
      let k = 0
      while (replicas.length < replicationFactor) {
        const candidate = ordered[(leaderIndex + replicaShift(shift, k, n)) % n]!
        k++
        if (replicas.includes(candidate)) continue
        const racksUsed = new Set(replicas.map((b) => b.rack))
        const allRacksUsed = racksUsed.size >= rackCount
        if (!allRacksUsed && racksUsed.has(candidate.rack) && k < 2 * n * n) continue
        replicas.push(candidate)
      }
    }
    result.push(replicas.map((b) => b.nodeId))
  }
  return result
}

/** Kafka's follower shift: never 0 (the leader itself), cycling through 1 .. n-1. */
function replicaShift(shift: number, replica: number, n: number): number {
  if (n <= 1) return 0
  return 1 + ((shift + replica) % (n - 1))
}

/** Brokers ordered rack by rack in turn: the first of each rack, then the second of each, ... */
function interleaveByRack(brokers: readonly PlacementBroker[]): PlacementBroker[] {
  const byRack = new Map<string, PlacementBroker[]>()
  for (const broker of [...brokers].sort((a, b) => a.nodeId - b.nodeId)) {
    const list = byRack.get(broker.rack!) ?? []
    list.push(broker)
    byRack.set(broker.rack!, list)
  }
  const racks = [...byRack.keys()].sort()
  const result: PlacementBroker[] = []
  for (let round = 0; result.length < brokers.length; round++) {
    for (const rack of racks) {
      const broker = byRack.get(rack)![round]
      if (broker !== undefined) result.push(broker)
    }
  }
  return result
}
