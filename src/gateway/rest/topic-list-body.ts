/**
 * GET /topics's body (the sorted names of the topics clients may use), encoded once per change
 * of the topic list instead of once per request. Under a saturating load of GET /topics,
 * collecting, sorting and stringifying the names per request made about a sixth of the broker's
 * garbage (bench:http, allocations sampled with the inspector's heap profiler), and that garbage
 * is collected on the event loop the Kafka listener shares.
 *
 * The single broker's metadata store announces no changes (MetadataStore.onChange), so the body
 * is checked on every request instead: the store's user topics are walked in the store's order
 * and compared by name with those the body was built from. That allocates nothing when nothing
 * changed and can never serve a stale list.
 */
import type { MetadataStore } from '../../metadata/metadata-store.js'
import { EncodedJson } from './exchange.js'

export class TopicListBody {
  readonly #metadata: MetadataStore
  /** The user topics' names in the store's order when `#body` was built. */
  #names: string[] = []
  #body: EncodedJson | null = null

  constructor(metadata: MetadataStore) {
    this.#metadata = metadata
  }

  /** The JSON array of user topic names, sorted. */
  current(): EncodedJson {
    if (this.#body !== null && this.#unchanged()) return this.#body
    const names: string[] = []
    for (const topic of this.#metadata.topics()) if (!topic.internal) names.push(topic.name)
    this.#names = names
    this.#body = new EncodedJson(Buffer.from(JSON.stringify([...names].sort())))
    return this.#body
  }

  #unchanged(): boolean {
    const names = this.#names
    let i = 0
    for (const topic of this.#metadata.topics()) {
      if (topic.internal) continue
      if (i >= names.length || names[i] !== topic.name) return false
      i++
    }
    return i === names.length
  }
}
