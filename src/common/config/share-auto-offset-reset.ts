/**
 * share.auto.offset.reset (KIP-932, by_duration from KIP-1106 in Kafka 4.1): where a new
 * share-partition starts. `latest` (the log end), `earliest` (the log start), or
 * `by_duration:<ISO-8601 duration>`: the first record whose timestamp is at or after now minus the
 * duration, as ListOffsets by timestamp finds it.
 *
 * Parsed as Kafka's ShareGroupAutoOffsetResetStrategy parses it: the names are lower case only,
 * the duration is java.time.Duration's grammar (PnDTnHnMn.nS, each part optionally signed, the
 * letters in either case, seconds with up to nine decimals after `.` or `,`), and a negative total
 * is refused. Every refusal has Kafka's one message, since kafka-configs users see only that.
 */

export type ShareAutoOffsetReset =
  | { readonly type: 'latest'; readonly text: 'latest' }
  | { readonly type: 'earliest'; readonly text: 'earliest' }
  | { readonly type: 'by_duration'; readonly text: string; readonly durationMs: number }

export const SHARE_AUTO_OFFSET_RESET_LATEST: ShareAutoOffsetReset = Object.freeze({ type: 'latest', text: 'latest' })
const EARLIEST: ShareAutoOffsetReset = Object.freeze({ type: 'earliest', text: 'earliest' })

/** Kafka's wording (ShareGroupAutoOffsetResetStrategy.Validator), after the value and the name. */
export const SHARE_AUTO_OFFSET_RESET_EXPECTED = "the value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS.>'"

const BY_DURATION = 'by_duration:'

/** The strategy `text` names, or null when Kafka would refuse it. */
export function parseShareAutoOffsetReset(text: string): ShareAutoOffsetReset | null {
  if (text === 'latest') return SHARE_AUTO_OFFSET_RESET_LATEST
  if (text === 'earliest') return EARLIEST
  if (!text.startsWith(BY_DURATION)) return null
  const nanos = parseIsoDurationNanos(text.slice(BY_DURATION.length))
  return nanos === null || nanos < 0n ? null : { type: 'by_duration', text, durationMs: Number(nanos / 1_000_000n) }
}

// java.time.Duration.parse's grammar: an optional sign, P, days, then T and hours, minutes, seconds.
const ISO_DURATION = /^([-+]?)P(?:([-+]?\d+)D)?(T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{0,9}))?S)?)?$/i
const JAVA_LONG_MAX = 9223372036854775807n

/**
 * An ISO-8601 duration in nanoseconds (Java's precision), or null where Duration.parse throws:
 * not the grammar, a bare `T`, no part at all, or more seconds than a Java long holds.
 */
export function parseIsoDurationNanos(text: string): bigint | null {
  const match = ISO_DURATION.exec(text)
  if (match === null) return null
  const [, sign, days, time, hours, minutes, seconds, fraction] = match
  if (time !== undefined && time.length === 1) return null
  if (days === undefined && hours === undefined && minutes === undefined && seconds === undefined) return null
  const whole = (part: string | undefined, unit: bigint): bigint => (part === undefined ? 0n : BigInt(part) * unit)
  const totalSeconds = whole(days, 86400n) + whole(hours, 3600n) + whole(minutes, 60n) + whole(seconds, 1n)
  // The fraction takes the seconds' sign, as Java's does: PT-1.5S is minus one and a half seconds.
  const fractionNanos = fraction === undefined || fraction === '' ? 0n : BigInt(fraction.padEnd(9, '0')) * (seconds?.startsWith('-') === true ? -1n : 1n)
  let nanos = totalSeconds * 1_000_000_000n + fractionNanos
  if (sign === '-') nanos = -nanos
  const secondsHeld = nanos / 1_000_000_000n
  if (secondsHeld > JAVA_LONG_MAX || secondsHeld < -JAVA_LONG_MAX - 1n) return null
  return nanos
}
