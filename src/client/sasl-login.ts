/**
 * The client side of SASL for Samsa's own client (the replica fetcher between brokers, the CLI):
 * SaslHandshake v1, then SaslAuthenticate round trips for PLAIN (one message) or
 * SCRAM-SHA-256/512 (RFC 5802: client-first, client-final, and a check of the server's
 * signature, so a broker that does not know the credential cannot pass as one that does).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { type ScramMechanismName, hash, hmac, isScramMechanism, saltedPassword } from '../security/sasl/scram-credential.js'
import { encodeSaslName } from '../security/sasl/scram.js'
import type { SaslCredentials } from '../security/sasl/sasl-server.js'

export type { SaslCredentials }

/** What sasl-login needs of a connection: one request at a time, answered in order. */
export interface SaslTransport {
  readonly address: string
  handshake(mechanism: string): Promise<{ errorCode: number; mechanisms: string[] }>
  authenticate(token: Buffer): Promise<{ errorCode: number; errorMessage: string | null; authBytes: Buffer }>
}

export async function saslLogin(transport: SaslTransport, credentials: SaslCredentials): Promise<void> {
  const mechanism = credentials.mechanism.toUpperCase()
  const handshake = await transport.handshake(mechanism)
  if (handshake.errorCode === KafkaErrorCodes.UNSUPPORTED_SASL_MECHANISM) {
    throw failure(transport, `does not offer SASL mechanism ${mechanism} (it offers ${handshake.mechanisms.join(', ') || 'none'})`)
  }
  if (handshake.errorCode !== 0) throw failure(transport, `refused the SASL handshake (error ${handshake.errorCode})`)
  const step = async (token: Buffer): Promise<Buffer> => {
    const answer = await transport.authenticate(token)
    if (answer.errorCode !== 0) throw failure(transport, `refused SASL/${mechanism} login as ${credentials.username}: ${answer.errorMessage ?? `error ${answer.errorCode}`}`)
    return answer.authBytes
  }
  if (mechanism === 'PLAIN') {
    await step(Buffer.from(`\0${credentials.username}\0${credentials.password}`, 'utf8'))
    return
  }
  if (!isScramMechanism(mechanism)) throw failure(transport, `cannot be logged into with ${mechanism}: Samsa's client speaks PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512`)
  await scramLogin(mechanism, credentials, step, transport)
}

async function scramLogin(mechanism: ScramMechanismName, credentials: SaslCredentials, step: (token: Buffer) => Promise<Buffer>, transport: SaslTransport): Promise<void> {
  const clientNonce = randomBytes(24).toString('base64')
  const clientFirstBare = `n=${encodeSaslName(credentials.username)},r=${clientNonce}`
  const serverFirst = (await step(Buffer.from(`n,,${clientFirstBare}`, 'utf8'))).toString('utf8')
  const fields = new Map(serverFirst.split(',').map((kv) => [kv.slice(0, 1), kv.slice(2)] as const))
  const nonce = fields.get('r') ?? ''
  const salt = Buffer.from(fields.get('s') ?? '', 'base64')
  const iterations = Number(fields.get('i'))
  if (!nonce.startsWith(clientNonce) || salt.length === 0 || !Number.isInteger(iterations) || iterations < 1) {
    throw failure(transport, `sent an invalid SCRAM server-first message`)
  }
  const salted = saltedPassword(mechanism, credentials.password, salt, iterations)
  const clientKey = hmac(mechanism, salted, 'Client Key')
  const withoutProof = `c=${Buffer.from('n,,').toString('base64')},r=${nonce}`
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`
  const signature = hmac(mechanism, hash(mechanism, clientKey), authMessage)
  const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!))
  const serverFinal = (await step(Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8'))).toString('utf8')
  const expected = createHmac(mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512', hmac(mechanism, salted, 'Server Key')).update(authMessage).digest()
  const given = Buffer.from(serverFinal.startsWith('v=') ? serverFinal.slice(2) : '', 'base64')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw failure(transport, 'could not prove it knows the SCRAM credential (bad server signature)')
}

function failure(transport: SaslTransport, what: string): SamsaError {
  return new SamsaError(ErrorCodes.NETWORK, `The broker at ${transport.address} ${what}.`)
}

/** The SaslHandshake / SaslAuthenticate versions the client speaks. */
export const SASL_HANDSHAKE_VERSION = 1
export const SASL_AUTHENTICATE_VERSION = 1
