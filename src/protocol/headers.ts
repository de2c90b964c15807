/**
 * Request and response headers, and which header version goes with which request.
 *
 * Request header v1: api_key INT16, api_version INT16, correlation_id INT32, client_id
 * NULLABLE_STRING. v2 (flexible request versions) adds a tagged-field section. client_id stays a
 * classic INT16-length string even in v2, so any broker can read the header of a request whose
 * version it does not know. v0 (no client_id) is used only by ControlledShutdown v0.
 *
 * Response header v0: correlation_id INT32. v1 (flexible response versions) adds a tagged-field
 * section. ApiVersions responses always use v0, whatever their version, so a client can read the
 * answer before it knows which versions the broker speaks.
 */
import { ApiKeys } from './api-keys.js'
import { getApi } from './messages/index.js'
import type { Reader } from './reader.js'
import type { Writer } from './writer.js'

export interface RequestHeader {
  readonly apiKey: number
  readonly apiVersion: number
  readonly correlationId: number
  readonly clientId: string | null
  /** The header version the request was read with (0, 1 or 2). */
  readonly headerVersion: number
}

/**
 * The request header version of (apiKey, apiVersion): 2 for flexible versions of described APIs
 * (any version at or above the API's first flexible version, even one above the range we serve,
 * as Kafka does), 0 for ControlledShutdown v0, otherwise 1. APIs without a description here are
 * read as v1: their correlation id and client id still come out right, and the broker answers
 * or closes without looking at the rest.
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKeys.ControlledShutdown && apiVersion === 0) return 0
  const flexibleVersion = getApi(apiKey)?.flexibleVersion ?? null
  return flexibleVersion !== null && apiVersion >= flexibleVersion ? 2 : 1
}

/** The response header version of (apiKey, apiVersion): 1 for flexible versions except ApiVersions, else 0. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKeys.ApiVersions) return 0
  const flexibleVersion = getApi(apiKey)?.flexibleVersion ?? null
  return flexibleVersion !== null && apiVersion >= flexibleVersion ? 1 : 0
}

/**
 * Reads a request header at the reader's position. Unknown API keys and versions are not errors
 * here: the header is returned as read, and the broker decides whether to answer (ApiVersions
 * with UNSUPPORTED_VERSION) or close. Throws SAMSA_PROTOCOL only for bytes that are malformed.
 */
export function decodeRequestHeader(reader: Reader): RequestHeader {
  const apiKey = reader.readInt16()
  const apiVersion = reader.readInt16()
  const correlationId = reader.readInt32()
  const headerVersion = requestHeaderVersion(apiKey, apiVersion)
  const clientId = headerVersion >= 1 ? reader.readNullableString() : null
  // No tagged fields are defined for request headers; all are skipped.
  if (headerVersion >= 2) reader.readTaggedFields()
  return { apiKey, apiVersion, correlationId, clientId, headerVersion }
}

/** Writes a request header in the version (apiKey, apiVersion) calls for. */
export function encodeRequestHeader(
  writer: Writer,
  header: { apiKey: number; apiVersion: number; correlationId: number; clientId: string | null },
): void {
  const headerVersion = requestHeaderVersion(header.apiKey, header.apiVersion)
  writer.writeInt16(header.apiKey).writeInt16(header.apiVersion).writeInt32(header.correlationId)
  if (headerVersion >= 1) writer.writeNullableString(header.clientId)
  if (headerVersion >= 2) writer.writeEmptyTaggedFields()
}

/** Writes a response header of `headerVersion` (0 or 1; see responseHeaderVersion). */
export function encodeResponseHeader(writer: Writer, correlationId: number, headerVersion: number): void {
  writer.writeInt32(correlationId)
  if (headerVersion >= 1) writer.writeEmptyTaggedFields()
}

/** Reads a response header of `headerVersion`, returning the correlation id. */
export function decodeResponseHeader(reader: Reader, headerVersion: number): number {
  const correlationId = reader.readInt32()
  if (headerVersion >= 1) reader.readTaggedFields()
  return correlationId
}
