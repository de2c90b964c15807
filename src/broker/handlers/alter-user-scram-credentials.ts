/**
 * AlterUserScramCredentials: adds, replaces and removes SCRAM credentials (KIP-554), as
 * `kafka-configs --alter --add-config 'SCRAM-SHA-256=[iterations=8192,password=…]'
 * --entity-type users --entity-name alice` sends it. The client sends the salted password, never
 * the password; the broker keeps only StoredKey and ServerKey derived from it.
 *
 * Per user, as Kafka's controller checks them: an empty name or a salted password of the wrong
 * length is UNACCEPTABLE_CREDENTIAL, iterations outside 4096-16384 too; an unknown mechanism is
 * UNSUPPORTED_SASL_MECHANISM; a (user, mechanism) named twice in one request is
 * DUPLICATE_RESOURCE; deleting a credential that does not exist is RESOURCE_NOT_FOUND. A user
 * with any error changes nothing; every other user's changes are applied together.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import {
  type ScramMechanismName,
  checkIterations,
  credentialFromSaltedPassword,
  hashAlgorithm,
  scramMechanismByCode,
} from '../../security/sasl/scram-credential.js'
import type { ScramCredentialChange } from '../../security/sasl/scram-credential-store.js'
import { createHash } from 'node:crypto'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'

interface UserResult {
  errorCode: number
  errorMessage: string | null
}

export function alterUserScramCredentialsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.AlterUserScramCredentials,
    advertised: { min: 0, max: 0 },
    async handle(request) {
      const results = new Map<string, UserResult>()
      const changes = new Map<string, ScramCredentialChange[]>()
      const seen = new Set<string>()
      const fail = (user: string, errorCode: number, errorMessage: string): void => {
        if (results.get(user)?.errorCode) return
        results.set(user, { errorCode, errorMessage })
      }
      const entries = [
        ...request.deletions.map((d) => ({ kind: 'delete' as const, user: d.name, mechanismCode: d.mechanism, upsertion: null })),
        ...request.upsertions.map((u) => ({ kind: 'upsert' as const, user: u.name, mechanismCode: u.mechanism, upsertion: u })),
      ]
      for (const entry of entries) {
        const { user } = entry
        if (!results.has(user)) results.set(user, { errorCode: KafkaErrorCodes.NONE, errorMessage: null })
        if (user === '') {
          fail(user, KafkaErrorCodes.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty')
          continue
        }
        const mechanism = scramMechanismByCode(entry.mechanismCode)
        if (mechanism === undefined) {
          fail(user, KafkaErrorCodes.UNSUPPORTED_SASL_MECHANISM, `Unknown SCRAM mechanism code ${entry.mechanismCode} (1: SCRAM-SHA-256, 2: SCRAM-SHA-512)`)
          continue
        }
        const key = `${user}\0${mechanism}`
        if (seen.has(key)) {
          fail(user, KafkaErrorCodes.DUPLICATE_RESOURCE, `A user credential cannot be altered twice in the same request (${mechanism} of '${user}')`)
          continue
        }
        seen.add(key)
        const list = changes.get(user) ?? []
        changes.set(user, list)
        if (entry.upsertion === null) {
          if (broker.scramCredentials.credential(user, mechanism) === undefined) {
            fail(user, KafkaErrorCodes.RESOURCE_NOT_FOUND, `Attempt to delete a user credential that does not exist (${mechanism} of '${user}')`)
            continue
          }
          list.push({ user, mechanism, credential: null })
          continue
        }
        const { iterations, salt, saltedPassword } = entry.upsertion
        const problem = checkIterations(iterations) ?? checkSaltedPassword(mechanism, salt, saltedPassword)
        if (problem !== null) {
          fail(user, KafkaErrorCodes.UNACCEPTABLE_CREDENTIAL, problem)
          continue
        }
        list.push({ user, mechanism, credential: credentialFromSaltedPassword(mechanism, saltedPassword, salt, iterations) })
      }
      const accepted = [...changes].filter(([user]) => results.get(user)?.errorCode === KafkaErrorCodes.NONE).flatMap(([, list]) => list)
      try {
        await broker.scramCredentials.alter(accepted)
      } catch (error) {
        broker.logger.error('could not store SCRAM credentials', { error })
        for (const change of accepted) fail(change.user, KafkaErrorCodes.UNKNOWN_SERVER_ERROR, `The credential store could not be written: ${(error as Error).message}`)
      }
      if (accepted.length > 0) broker.logger.info('SCRAM credentials changed', { changes: accepted.map((c) => `${c.credential === null ? 'delete' : 'upsert'} ${c.mechanism} ${c.user}`) })
      return { throttleTimeMs: 0, results: [...results].map(([user, result]) => ({ user, ...result })) }
    },
    errorResponse(request, errorCode) {
      const users = new Set([...request.deletions, ...request.upsertions].map((entry) => entry.name))
      return { throttleTimeMs: 0, results: [...users].map((user) => ({ user, errorCode, errorMessage: null })) }
    },
  })
}

function checkSaltedPassword(mechanism: ScramMechanismName, salt: Buffer, saltedPassword: Buffer): string | null {
  if (salt.length === 0) return 'The salt must not be empty'
  const expected = createHash(hashAlgorithm(mechanism)).digest().length
  if (saltedPassword.length !== expected) return `The salted password of a ${mechanism} credential is ${expected} bytes, not ${saltedPassword.length}`
  return null
}
