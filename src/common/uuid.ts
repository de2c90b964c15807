/**
 * Kafka's UUIDs (topic ids, the cluster id) in their display form: the 16 bytes in URL-safe
 * base64 without padding, 22 characters.
 */
import { randomBytes } from 'node:crypto'

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'
/** Kafka reserves the UUID with value 1 as a sentinel, alongside the zero UUID. */
const ONE_UUID = 'AAAAAAAAAAAAAAAAAAAAAQ'

/** A random UUID as Kafka makes them: never a reserved value, never starting with '-'. */
export function randomUuid(): string {
  for (;;) {
    const bytes = randomBytes(16)
    // Version 4, variant 1, like java.util.UUID.randomUUID.
    bytes[6] = (bytes[6]! & 0x0f) | 0x40
    bytes[8] = (bytes[8]! & 0x3f) | 0x80
    const text = bytes.toString('base64url')
    // A leading '-' would read as a flag on command lines, so Kafka avoids it too.
    if (text !== ZERO_UUID && text !== ONE_UUID && !text.startsWith('-')) return text
  }
}
