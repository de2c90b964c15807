/**
 * SaslHandshake (API key 17): a client names the SASL mechanism it wants. Samsa described it so
 * that a broker without SASL can answer UNSUPPORTED_SASL_MECHANISM (listing what it offers, which
 * may be nothing) instead of closing the connection on an unknown request.
 *
 * Versions 0-1; never flexible. v0 is followed by raw SASL tokens, v1 by SaslAuthenticate requests.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * SaslHandshake Request (v0-1)
 *   => mechanism
 */
export const saslHandshakeRequest = defineMessage({
  name: 'SaslHandshakeRequest',
  apiKey: 17,
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: {
    mechanism: field.string(),
  },
})

export type SaslHandshakeRequest = MessageType<typeof saslHandshakeRequest>
export type SaslHandshakeRequestInput = MessageInput<typeof saslHandshakeRequest>

/*
 * SaslHandshake Response (v0-1)
 *   => error_code [mechanisms]
 */
export const saslHandshakeResponse = defineMessage({
  name: 'SaslHandshakeResponse',
  apiKey: 17,
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: {
    errorCode: field.int16(),
    mechanisms: field.array(field.string()),
  },
})

export type SaslHandshakeResponse = MessageType<typeof saslHandshakeResponse>
export type SaslHandshakeResponseInput = MessageInput<typeof saslHandshakeResponse>
