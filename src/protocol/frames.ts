/**
 * Whole requests and responses: header plus body, for the broker (decode requests, encode
 * responses) and for Samsa's own client (the reverse). The network layer cuts frames on the INT32
 * size prefix; `decodeRequest` takes a frame without it, `encodeResponse`/`encodeRequest` produce
 * one with it, so a response goes to the socket as it is.
 */
import { protocolError } from './protocol-error.js'
import {
  type RequestHeader,
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRequestHeader,
  encodeResponseHeader,
  responseHeaderVersion,
} from './headers.js'
import {
  type ApiDefinition,
  type DescribedApiKey,
  type RequestInputOf,
  type RequestOf,
  type ResponseInputOf,
  type ResponseOf,
  apis,
  getApi,
} from './messages/index.js'
import { Reader } from './reader.js'
import { Writer, type WriterOutput } from './writer.js'

/** A request of a described API and version, with its decoded body; switch on `apiKey` to narrow `body`. */
export type SupportedRequest = {
  [K in DescribedApiKey]: {
    readonly supported: true
    readonly apiKey: K
    readonly apiVersion: number
    readonly header: RequestHeader
    readonly body: RequestOf<K>
  }
}[DescribedApiKey]

/** A request whose API key or version has no description: only the header was read. */
export interface UnsupportedRequest {
  readonly supported: false
  readonly apiKey: number
  readonly apiVersion: number
  readonly header: RequestHeader
  readonly body: undefined
  /** Why the body was not read. */
  readonly reason: 'unknown-api' | 'unsupported-version'
}

/**
 * Decodes a request frame (the bytes after the size prefix). Byte and records fields of the body
 * are views into `frame`. Unknown APIs and versions come back as UnsupportedRequest for the
 * broker to answer or close on; malformed bytes throw SAMSA_PROTOCOL.
 */
export function decodeRequest(frame: Buffer): SupportedRequest | UnsupportedRequest {
  const reader = new Reader(frame)
  const header = decodeRequestHeader(reader)
  const api = getApi(header.apiKey)
  if (api === undefined || !api.request.supports(header.apiVersion)) {
    return {
      supported: false,
      apiKey: header.apiKey,
      apiVersion: header.apiVersion,
      header,
      body: undefined,
      reason: api === undefined ? 'unknown-api' : 'unsupported-version',
    }
  }
  const body = api.request.decode(reader, header.apiVersion)
  return { supported: true, apiKey: header.apiKey, apiVersion: header.apiVersion, header, body } as SupportedRequest
}

function describedApi(apiKey: number): ApiDefinition {
  const api = getApi(apiKey)
  if (api === undefined) throw protocolError(`API key ${apiKey} has no description`)
  return api
}

/**
 * Encodes a response frame: INT32 size, the response header of the right version, the body.
 * Records given as external chunks stay external in the output (see Writer).
 */
export function encodeResponse<K extends DescribedApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: ResponseInputOf<K>,
  writer: Writer = new Writer(),
): WriterOutput {
  const api = describedApi(apiKey)
  const start = writer.byteLength
  writer.writeInt32(0)
  encodeResponseHeader(writer, correlationId, responseHeaderVersion(apiKey, apiVersion))
  api.response.encode(body as never, apiVersion, writer)
  writer.setInt32At(start, writer.byteLength - start - 4)
  return writer.finish()
}

/** Encodes a request frame: INT32 size, the request header of the right version, the body. */
export function encodeRequest<K extends DescribedApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  body: RequestInputOf<K>,
  writer: Writer = new Writer(),
): WriterOutput {
  const api = describedApi(apiKey)
  const start = writer.byteLength
  writer.writeInt32(0)
  encodeRequestHeader(writer, { apiKey, apiVersion, correlationId, clientId })
  api.request.encode(body as never, apiVersion, writer)
  writer.setInt32At(start, writer.byteLength - start - 4)
  return writer.finish()
}

/** The correlation id of a response frame (its first four bytes), to match it to its request. */
export function responseCorrelationId(frame: Buffer): number {
  return new Reader(frame).readInt32()
}

/** Decodes a response frame (without size prefix) to a request of (apiKey, apiVersion). */
export function decodeResponse<K extends DescribedApiKey>(
  apiKey: K,
  apiVersion: number,
  frame: Buffer,
): { correlationId: number; body: ResponseOf<K> } {
  const api = apis[apiKey] as ApiDefinition
  const reader = new Reader(frame)
  const correlationId = decodeResponseHeader(reader, responseHeaderVersion(apiKey, apiVersion))
  const body = api.response.decode(reader, apiVersion) as ResponseOf<K>
  return { correlationId, body }
}
