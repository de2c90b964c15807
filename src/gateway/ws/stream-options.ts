/**
 * The query string of `/v1/ws/topics/{topic}`, checked before the upgrade so a bad one is
 * refused with HTTP 400 and a message naming the parameter:
 *
 *   offset=earliest|latest|<n>   where every partition starts (default latest, as Kafka's
 *                                auto.offset.reset); with group=, where partitions the group
 *                                has no committed offset for start
 *   offsets=0:15,1:20            stream only these partitions, each from its offset
 *   partitions=0,2               stream only these partitions (from `offset`)
 *   timestamp=<ms>               every partition from its first record at or after this time
 *                                (the partition's end when there is none)
 *   group=<id>                   join consumer group <id> and stream the partitions it assigns,
 *                                from its committed offsets
 *   commit=auto|manual           with group=: commit what was sent as it goes (default), or
 *                                only when the client sends a commit message
 *   format=binary|json|text      how keys, values and headers are shown (default binary: base64)
 *   frames=text|binary           JSON text frames (default) or compact binary record frames
 */
import type { RecordFormat } from '../records/partition-reader.js'

export type StartOffset = 'earliest' | 'latest' | number

export interface StreamOptions {
  readonly topic: string
  /** Where partitions without an explicit offset start. */
  readonly offset: StartOffset
  /** Partition → start offset, for the partitions named by `offsets=`. */
  readonly offsets: ReadonlyMap<number, number> | null
  /** Only these partitions (from `partitions=` or `offsets=`); null: all of the topic. */
  readonly partitions: readonly number[] | null
  readonly timestamp: number | null
  readonly group: string | null
  readonly autoCommit: boolean
  readonly format: RecordFormat
  readonly binaryFrames: boolean
}

/** A query that cannot be served: the message says which parameter and why. */
export class StreamOptionsError extends Error {}

const FORMATS: readonly RecordFormat[] = ['binary', 'json', 'text']

export function parseStreamOptions(topic: string, query: URLSearchParams): StreamOptions {
  const known = new Set(['offset', 'offsets', 'partitions', 'timestamp', 'group', 'commit', 'format', 'frames'])
  for (const name of query.keys()) {
    if (!known.has(name)) throw new StreamOptionsError(`Unknown parameter '${name}'; the stream takes ${[...known].join(', ')}.`)
  }
  const offset = parseOffset(query.get('offset'))
  const offsets = parseOffsets(query.get('offsets'))
  const listed = parsePartitions(query.get('partitions'))
  const timestamp = query.has('timestamp') ? parseNonNegative('timestamp', query.get('timestamp')!) : null
  const group = query.get('group')
  if (group !== null && group.length === 0) throw new StreamOptionsError("Parameter 'group' is empty; give the consumer group's id.")
  if (group !== null && (offsets !== null || listed !== null || timestamp !== null)) {
    throw new StreamOptionsError("With 'group' the group assigns the partitions and its committed offsets say where to start; drop 'offsets', 'partitions' and 'timestamp'.")
  }
  if (timestamp !== null && (offsets !== null || query.has('offset'))) {
    throw new StreamOptionsError("Give either 'timestamp' or 'offset'/'offsets', not both.")
  }
  const commit = query.get('commit') ?? 'auto'
  if (commit !== 'auto' && commit !== 'manual') throw new StreamOptionsError(`Parameter 'commit' is '${commit}'; use auto or manual.`)
  if (query.has('commit') && group === null) throw new StreamOptionsError("Parameter 'commit' needs 'group': only a group has offsets to commit.")
  const format = query.get('format') ?? 'binary'
  if (!FORMATS.includes(format as RecordFormat)) throw new StreamOptionsError(`Parameter 'format' is '${format}'; use ${FORMATS.join(', ')}.`)
  const frames = query.get('frames') ?? 'text'
  if (frames !== 'text' && frames !== 'binary') throw new StreamOptionsError(`Parameter 'frames' is '${frames}'; use text or binary.`)
  let partitions = listed
  if (offsets !== null) {
    if (listed !== null && listed.some((p) => !offsets.has(p))) {
      throw new StreamOptionsError("Every partition in 'partitions' needs an offset in 'offsets' (or drop 'partitions').")
    }
    partitions = [...offsets.keys()]
  }
  return { topic, offset, offsets, partitions, timestamp, group, autoCommit: commit === 'auto', format: format as RecordFormat, binaryFrames: frames === 'binary' }
}

function parseOffset(text: string | null): StartOffset {
  if (text === null || text === 'latest') return 'latest'
  if (text === 'earliest') return 'earliest'
  return parseNonNegative('offset', text, "or 'earliest' or 'latest'")
}

function parseOffsets(text: string | null): Map<number, number> | null {
  if (text === null) return null
  const offsets = new Map<number, number>()
  for (const entry of text.split(',')) {
    const match = /^(\d+):(\d+)$/.exec(entry.trim())
    if (match === null) throw new StreamOptionsError(`Parameter 'offsets' has '${entry}'; write partition:offset pairs separated by commas, e.g. offsets=0:15,1:20.`)
    const partition = Number(match[1])
    if (offsets.has(partition)) throw new StreamOptionsError(`Parameter 'offsets' names partition ${partition} twice.`)
    offsets.set(partition, parseNonNegative('offsets', match[2]!))
  }
  return offsets
}

function parsePartitions(text: string | null): number[] | null {
  if (text === null) return null
  const partitions = text.split(',').map((entry) => parseNonNegative('partitions', entry.trim()))
  if (new Set(partitions).size !== partitions.length) throw new StreamOptionsError("Parameter 'partitions' names a partition twice.")
  return partitions
}

function parseNonNegative(name: string, text: string, alternatives = ''): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(value)) {
    throw new StreamOptionsError(`Parameter '${name}' is '${text}'; expected a non-negative integer${alternatives === '' ? '' : ` ${alternatives}`}.`)
  }
  return value
}
