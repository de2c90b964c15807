/**
 * What the loaders of the group coordinator's record families (KIP-848 consumer groups, KIP-932
 * share groups) share: a record that does not parse (a format newer than we know) must not keep
 * the partition from loading, so it is counted, reported once, and skipped.
 *
 * Event loop thread only.
 */
import type { Logger } from '../common/logger.js'

export abstract class CoordinatorRecordLoader {
  readonly #logger: Logger
  readonly #what: string
  /** Records that did not decode. */
  unreadable = 0

  constructor(logger: Logger, what: string) {
    this.#logger = logger
    this.#what = what
  }

  /** `decode(key, value)`, or null when there is no key or the bytes do not parse. */
  protected decode<R>(key: Buffer | null, value: Buffer | null, decode: (key: Buffer, value: Buffer | null) => R | null): R | null {
    if (key === null) return null
    try {
      return decode(key, value)
    } catch (error) {
      if (this.unreadable++ === 0) this.#logger.warn(`skipping an unreadable ${this.#what} record`, { error })
      return null
    }
  }
}
