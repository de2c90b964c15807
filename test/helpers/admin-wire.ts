/**
 * Test helper: one raw Kafka connection to a broker, for tests that send exact requests (any API,
 * any version, or hand-made bytes) and look at exact responses. Requests are encoded with our own
 * codec (src/protocol) or written byte by byte; the broker under test is a separate process.
 */

/** The raw-wire client the admin tests use (the same one every wire test uses). */
export { WireClient as WireConnection } from './wire-client.js'

/**
 * A request frame from hand-written body bytes: size, then a v1 request header (api key,
 * version, correlation id, client id), then `body`. Flexible versions need header v2, which
 * adds an empty tagged-field section: pass `flexible`.
 */
export function rawRequest(apiKey: number, apiVersion: number, body: Buffer, { flexible = false, correlationId = 7 } = {}): Buffer {
  const clientId = Buffer.from('raw')
  const header = Buffer.alloc(2 + 2 + 4 + 2)
  header.writeInt16BE(apiKey, 0)
  header.writeInt16BE(apiVersion, 2)
  header.writeInt32BE(correlationId, 4)
  header.writeInt16BE(clientId.length, 8)
  const parts = [header, clientId, ...(flexible ? [Buffer.from([0])] : []), body]
  const size = Buffer.alloc(4)
  size.writeInt32BE(parts.reduce((n, p) => n + p.length, 0))
  return Buffer.concat([size, ...parts])
}

/** Big-endian helpers for writing request bodies by hand. */
export const be = {
  int8: (v: number): Buffer => Buffer.from([v & 0xff]),
  int16: (v: number): Buffer => {
    const b = Buffer.alloc(2)
    b.writeInt16BE(v)
    return b
  },
  int32: (v: number): Buffer => {
    const b = Buffer.alloc(4)
    b.writeInt32BE(v)
    return b
  },
  /** A classic (non-flexible) STRING: INT16 length, then UTF-8 bytes. */
  string: (s: string): Buffer => Buffer.concat([be.int16(Buffer.byteLength(s)), Buffer.from(s)]),
  bool: (v: boolean): Buffer => Buffer.from([v ? 1 : 0]),
}
