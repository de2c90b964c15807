/**
 * AlterUserScramCredentials (API key 51): adds, replaces or removes users' SCRAM credentials
 * (KIP-554). The client salts and hashes the password itself (SaltedPassword = Hi(password,
 * salt, iterations)), so the password never crosses the wire; the broker derives StoredKey and
 * ServerKey from it and keeps only those.
 *
 * Version 0 only; flexible. Mechanism codes: 1 SCRAM-SHA-256, 2 SCRAM-SHA-512.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * AlterUserScramCredentials Request (v0)
 *   => [deletions] [upsertions]
 *   deletions => name mechanism
 *   upsertions => name mechanism iterations salt salted_password
 */
export const alterUserScramCredentialsRequest = defineMessage({
  name: 'AlterUserScramCredentialsRequest',
  apiKey: 51,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    deletions: field.array({
      name: field.string(),
      mechanism: field.int8(),
    }),
    upsertions: field.array({
      name: field.string(),
      mechanism: field.int8(),
      iterations: field.int32(),
      salt: field.bytes(),
      saltedPassword: field.bytes(),
    }),
  },
})

export type AlterUserScramCredentialsRequest = MessageType<typeof alterUserScramCredentialsRequest>
export type AlterUserScramCredentialsRequestInput = MessageInput<typeof alterUserScramCredentialsRequest>

/*
 * AlterUserScramCredentials Response (v0)
 *   => throttle_time_ms [results]
 *   results => user error_code error_message(nullable)
 */
export const alterUserScramCredentialsResponse = defineMessage({
  name: 'AlterUserScramCredentialsResponse',
  apiKey: 51,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    results: field.array({
      user: field.string(),
      errorCode: field.int16(),
      errorMessage: field.string({ nullableVersions: '0+', default: null }),
    }),
  },
})

export type AlterUserScramCredentialsResponse = MessageType<typeof alterUserScramCredentialsResponse>
export type AlterUserScramCredentialsResponseInput = MessageInput<typeof alterUserScramCredentialsResponse>
