/**
 * The server side of one SASL mechanism on one connection (RFC 4422): it takes the client's
 * tokens in turn and answers each with a challenge, until it has either authenticated a
 * principal or refused. One instance serves one authentication exchange; a re-authentication
 * (KIP-368) gets a fresh one.
 *
 * Mechanisms live one per file beside this one (plain.ts, scram.ts, oauthbearer.ts). They do no
 * I/O of their own beyond what they are handed (credential lookups, a key source), so the same
 * code serves the Kafka listener and the HTTP gateway's Basic authentication.
 */
import type { KafkaPrincipal } from '../../common/kafka-principal.js'

export type SaslStep =
  /** The exchange goes on: send `challenge` and wait for the client's next token. */
  | { readonly complete: false; readonly challenge: Buffer }
  | {
      readonly complete: true
      /** The last server token (SCRAM's server-final message); may be empty. */
      readonly challenge: Buffer
      readonly principal: KafkaPrincipal
      /**
       * When the credential itself stops being valid (an OAUTHBEARER token's exp), as epoch ms;
       * the session may not outlive it (KIP-368). Undefined: no limit of its own.
       */
      readonly credentialExpiresAtMs?: number
    }

export interface SaslServer {
  /** The mechanism's IANA name (PLAIN, SCRAM-SHA-512, OAUTHBEARER). */
  readonly mechanism: string
  /** Evaluates the client's next token. Throws SaslAuthenticationError to refuse. */
  evaluate(token: Buffer): SaslStep | Promise<SaslStep>
}

/**
 * A refused authentication. `message` is what the client is told (Kafka sends it in
 * SaslAuthenticate's error_message, and clients print it), so it says what failed without
 * telling an attacker which half of a credential was wrong; `detail` is for the broker's log.
 */
export class SaslAuthenticationError extends Error {
  readonly detail: string | undefined

  constructor(message: string, detail?: string) {
    super(message)
    this.name = 'SaslAuthenticationError'
    this.detail = detail
  }
}

/** Kafka's wording for a PLAIN failure (PlainSaslServer), which clients show as it is. */
export const PLAIN_FAILURE_MESSAGE = 'Authentication failed: Invalid username or password'

/** Kafka's wording for a SCRAM failure: it never says whether the user or the proof was wrong. */
export function invalidCredentialsMessage(mechanism: string): string {
  return `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`
}

/** A factory per mechanism, built once per listener from its configuration. */
export interface SaslMechanism {
  readonly name: string
  /** A new exchange for one connection. */
  createServer(): SaslServer
}

/** A client's login: how Samsa's own client (the replica fetcher) authenticates to a broker. */
export interface SaslCredentials {
  readonly mechanism: string
  readonly username: string
  readonly password: string
}
