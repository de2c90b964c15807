/**
 * SaslAuthenticate (API key 36): one SASL token from the client, one back from the broker,
 * after a SaslHandshake v1 chose the mechanism. A mechanism that needs several round trips
 * (SCRAM) takes several of these.
 *
 * Versions 0-2; flexible from 2. v1 added session_lifetime_ms (KIP-368): how long the session
 * lasts before the client must re-authenticate on the same connection.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * SaslAuthenticate Request (v0-2)
 *   => auth_bytes
 */
export const saslAuthenticateRequest = defineMessage({
  name: 'SaslAuthenticateRequest',
  apiKey: 36,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    authBytes: field.bytes(),
  },
})

export type SaslAuthenticateRequest = MessageType<typeof saslAuthenticateRequest>
export type SaslAuthenticateRequestInput = MessageInput<typeof saslAuthenticateRequest>

/*
 * SaslAuthenticate Response (v0-2)
 *   => error_code error_message(nullable) auth_bytes session_lifetime_ms(v1+)
 */
export const saslAuthenticateResponse = defineMessage({
  name: 'SaslAuthenticateResponse',
  apiKey: 36,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    errorCode: field.int16(),
    errorMessage: field.string({ nullableVersions: '0+', default: null }),
    authBytes: field.bytes(),
    sessionLifetimeMs: field.int64({ versions: '1+', default: 0n }),
  },
})

export type SaslAuthenticateResponse = MessageType<typeof saslAuthenticateResponse>
export type SaslAuthenticateResponseInput = MessageInput<typeof saslAuthenticateResponse>
