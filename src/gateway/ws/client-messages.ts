/**
 * What a client may send on a stream's socket, as JSON text frames:
 *
 *   {"type":"produce", "id": <any JSON>, "format": "json"|"binary",
 *    "records": [{"key": ..., "value": ..., "partition": ..., "headers": [{"key": k, "value": v}]}, ...]}
 *       appends the records to the stream's topic (acks=all), in the REST Proxy's embedded
 *       format (`format`, default: binary when the stream's format is binary, json otherwise;
 *       header values are base64 in the binary format, text in json);
 *       answered by {"type":"ack","id":...,"offsets":[{"partition":p,"offset":"o"} or
 *       {"partition":p,"error_code":c,"error":"..."}]} in record order, or by an error frame
 *       with the same id when the request is refused as a whole.
 *   {"type":"commit", "id": <any JSON>, "offsets": [{"partition": p, "offset": o}, ...]}
 *       (group streams) commits these offsets (the next offset to read, as Kafka commits), or,
 *       without `offsets`, everything sent so far; answered by {"type":"committed",...}.
 *
 * A frame that is not a JSON object (or is binary) is malformed: the server answers with an
 * error frame and closes with 1007 (invalid payload) or 1003 (unsupported data). A well-formed
 * message the server cannot act on (an unknown type, a bad field) gets an error frame and the
 * connection stays open.
 */

/** WebSocket close codes (RFC 6455 §7.4.1). */
export const CloseCodes = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  UNSUPPORTED_DATA: 1003,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  INTERNAL_ERROR: 1011,
} as const

export interface ProduceMessage {
  readonly type: 'produce'
  readonly id: unknown
  readonly format: 'json' | 'binary' | undefined
}

export interface CommitMessage {
  readonly type: 'commit'
  readonly id: unknown
  /** Partition → offset; null: what has been sent. */
  readonly offsets: Map<number, number> | null
}

export type ClientMessage = ProduceMessage | CommitMessage

/** A frame the server cannot read at all: close the connection with `closeCode`. */
export interface MalformedFrame {
  readonly malformed: true
  readonly closeCode: number
  readonly message: string
}

/** A readable message the server refuses; answered with an error frame, the socket stays open. */
export interface RefusedMessage {
  readonly refused: true
  readonly id: unknown
  readonly message: string
}

export function parseClientMessage(data: Buffer, binary: boolean): ClientMessage | MalformedFrame | RefusedMessage {
  if (binary) return { malformed: true, closeCode: CloseCodes.UNSUPPORTED_DATA, message: 'Binary frames from the client are not understood; send JSON text frames.' }
  let parsed: unknown
  try {
    parsed = JSON.parse(data.toString('utf8'))
  } catch (error) {
    return { malformed: true, closeCode: CloseCodes.INVALID_PAYLOAD, message: `The frame is not valid JSON: ${(error as Error).message}` }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { malformed: true, closeCode: CloseCodes.INVALID_PAYLOAD, message: 'A client message must be a JSON object with a "type".' }
  }
  const message = parsed as Record<string, unknown>
  const id = message.id ?? null
  switch (message.type) {
    case 'produce': {
      const format = message.format
      if (format !== undefined && format !== 'json' && format !== 'binary') {
        return { refused: true, id, message: `"format" is ${JSON.stringify(format)}; use "json" or "binary" (the REST Proxy's embedded formats).` }
      }
      return { type: 'produce', id, format }
    }
    case 'commit': {
      if (message.offsets === undefined) return { type: 'commit', id, offsets: null }
      if (!Array.isArray(message.offsets)) return { refused: true, id, message: '"offsets" must be an array of {"partition": p, "offset": o}.' }
      const offsets = new Map<number, number>()
      for (const entry of message.offsets as unknown[]) {
        const { partition, offset } = (entry ?? {}) as { partition?: unknown; offset?: unknown }
        const value = typeof offset === 'string' && /^\d+$/.test(offset) ? Number(offset) : offset
        if (!Number.isInteger(partition) || (partition as number) < 0 || !Number.isSafeInteger(value) || (value as number) < 0) {
          return { refused: true, id, message: `Each commit entry needs a partition and an offset (non-negative integers; the offset may be a decimal string), not ${JSON.stringify(entry)}.` }
        }
        offsets.set(partition as number, value as number)
      }
      return { type: 'commit', id, offsets }
    }
    default:
      return { refused: true, id, message: `Unknown message type ${JSON.stringify(message.type)}; send "produce" or "commit".` }
  }
}
