/**
 * DescribeUserScramCredentials (API key 50): which SCRAM mechanisms each user has credentials
 * for, and their iteration counts (never the salt or keys). `kafka-configs --describe
 * --entity-type users` sends it since Kafka 2.7 (KIP-554).
 *
 * Version 0 only; flexible. Mechanism codes: 1 SCRAM-SHA-256, 2 SCRAM-SHA-512.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * DescribeUserScramCredentials Request (v0)
 *   => [users](nullable: all users)
 *   users => name
 */
export const describeUserScramCredentialsRequest = defineMessage({
  name: 'DescribeUserScramCredentialsRequest',
  apiKey: 50,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    users: field.array({ name: field.string() }, { nullableVersions: '0+', default: null }),
  },
})

export type DescribeUserScramCredentialsRequest = MessageType<typeof describeUserScramCredentialsRequest>
export type DescribeUserScramCredentialsRequestInput = MessageInput<typeof describeUserScramCredentialsRequest>

/*
 * DescribeUserScramCredentials Response (v0)
 *   => throttle_time_ms error_code error_message(nullable) [results]
 *   results => user error_code error_message(nullable) [credential_infos]
 *   credential_infos => mechanism iterations
 */
export const describeUserScramCredentialsResponse = defineMessage({
  name: 'DescribeUserScramCredentialsResponse',
  apiKey: 50,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16(),
    errorMessage: field.string({ nullableVersions: '0+', default: null }),
    results: field.array({
      user: field.string(),
      errorCode: field.int16(),
      errorMessage: field.string({ nullableVersions: '0+', default: null }),
      credentialInfos: field.array({
        mechanism: field.int8(),
        iterations: field.int32(),
      }),
    }),
  },
})

export type DescribeUserScramCredentialsResponse = MessageType<typeof describeUserScramCredentialsResponse>
export type DescribeUserScramCredentialsResponseInput = MessageInput<typeof describeUserScramCredentialsResponse>
