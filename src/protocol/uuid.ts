/**
 * Kafka UUIDs (topic ids) in their display form: the 16 bytes as URL-safe base64 without padding,
 * 22 characters, exactly as Kafka's tools print them. The codec reads and writes this form, so
 * ids never exist as objects on our side.
 */
import { randomUUID } from 'node:crypto'

/** The all-zero UUID: "no topic id" on the wire. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

/** Kafka reserves 0...01 for the metadata topic; it is never handed out as a topic id. */
export const METADATA_TOPIC_UUID = 'AAAAAAAAAAAAAAAAAAAAAQ'

const UUID_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/

/** True when `value` is a canonical 22-character display form (what Reader produces). */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value)
}

/**
 * A random (version 4) UUID in display form that is usable as a topic id: never the zero or
 * metadata UUID, and never starting with "-" (Kafka avoids that too, so ids are safe on command
 * lines).
 */
export function randomUuid(): string {
  for (;;) {
    const hex = randomUUID().replaceAll('-', '')
    const value = Buffer.from(hex, 'hex').toString('base64url')
    if (value !== ZERO_UUID && value !== METADATA_TOPIC_UUID && !value.startsWith('-')) return value
  }
}

/** The 16 bytes of a display-form UUID. */
export function uuidToBytes(value: string): Buffer {
  if (!isUuid(value)) throw new TypeError(`"${value}" is not a UUID in Kafka's 22-character base64url form`)
  return Buffer.from(value, 'base64url')
}

/** Display form of 16 bytes. */
export function uuidFromBytes(bytes: Uint8Array): string {
  if (bytes.byteLength !== 16) throw new TypeError(`a UUID has 16 bytes, not ${bytes.byteLength}`)
  return Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('base64url')
}
