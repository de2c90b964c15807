/**
 * What one SASL listener offers: its enabled mechanisms (sasl.enabled.mechanisms, listener
 * prefix first), each built from the listener's settings, plus the limits every connection on
 * it keeps to. Built once at start; a configuration that cannot work (GSSAPI, an unknown
 * mechanism, PLAIN without users, a JAAS entry that does not parse) stops the start with a
 * message that names the setting.
 */
import { ErrorCodes, SamsaError } from '../../common/errors.js'
import type { BrokerConfig } from '../../common/config/broker-config.js'
import { SUPPORTED_SASL_MECHANISMS } from '../../common/config/sasl-config.js'
import type { Logger } from '../../common/logger.js'
import { parseJaasConfig } from './jaas-config.js'
import { JwksKeySource } from './jwks.js'
import type { ClaimRules } from './jwt.js'
import { OAUTHBEARER_LOGIN_MODULE, OAuthBearerMechanism, type OAuthBearerValidation } from './oauthbearer.js'
import { PLAIN_LOGIN_MODULE, PlainMechanism, plainUsersFromJaas } from './plain.js'
import type { SaslMechanism } from './sasl-server.js'
import { ScramMechanism } from './scram.js'
import type { ScramCredentialStore } from './scram-credential-store.js'

export interface SaslListener {
  readonly listenerName: string
  /** Enabled mechanism names, in the configured order (sent in UNSUPPORTED_SASL_MECHANISM). */
  readonly enabledMechanisms: readonly string[]
  readonly mechanisms: ReadonlyMap<string, SaslMechanism>
  /** sasl.server.max.receive.size */
  readonly maxReceiveBytes: number
  /** connections.max.reauth.ms (0: sessions never expire) */
  readonly reauthMs: number
  readonly authenticationTimeoutMs: number
  /** Stops background work (JWKS refresh). */
  close(): void
}

const VALIDATOR_HANDLER = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler'
const UNSECURED_VALIDATOR_HANDLERS = new Set([
  'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerUnsecuredValidatorCallbackHandler',
])

export async function buildSaslListener(config: BrokerConfig, listenerName: string, credentials: ScramCredentialStore, logger: Logger): Promise<SaslListener> {
  const prefix = `listener.name.${listenerName.toLowerCase()}`
  const enabled = (config.saslSetting(listenerName, null, 'sasl.enabled.mechanisms') ?? []).map((m) => m.trim().toUpperCase()).filter((m) => m !== '')
  if (enabled.length === 0) throw configError(`${prefix}.sasl.enabled.mechanisms (or sasl.enabled.mechanisms) is empty; listener ${listenerName} needs at least one SASL mechanism.`)
  const unsupported = enabled.filter((m) => !(SUPPORTED_SASL_MECHANISMS as readonly string[]).includes(m))
  if (unsupported.length > 0) {
    throw configError(
      `sasl.enabled.mechanisms for listener ${listenerName} names ${unsupported.join(', ')}, which Samsa does not serve` +
        `${unsupported.includes('GSSAPI') ? ' (GSSAPI is Kafka\'s default when the setting is absent)' : ''}; use ${SUPPORTED_SASL_MECHANISMS.join(', ')}.`,
    )
  }
  const mechanisms = new Map<string, SaslMechanism>()
  const closers: Array<() => void> = []
  for (const name of enabled) {
    if (name === 'PLAIN') mechanisms.set(name, plainMechanism(config, listenerName))
    else if (name === 'SCRAM-SHA-256' || name === 'SCRAM-SHA-512') mechanisms.set(name, new ScramMechanism(name, (user, mechanism) => credentials.credential(user, mechanism)))
    else if (name === 'OAUTHBEARER') {
      const { mechanism, close } = await oauthBearerMechanism(config, listenerName, logger)
      mechanisms.set(name, mechanism)
      closers.push(close)
    }
  }
  return {
    listenerName,
    enabledMechanisms: enabled,
    mechanisms,
    maxReceiveBytes: config.saslSetting(listenerName, null, 'sasl.server.max.receive.size') ?? 524288,
    reauthMs: config.saslSetting(listenerName, null, 'connections.max.reauth.ms') ?? 0,
    authenticationTimeoutMs: config.saslSetting(listenerName, null, 'sasl.server.authentication.timeout.ms') ?? 30000,
    close: () => {
      for (const close of closers) close()
    },
  }
}

/** The JAAS text for (listener, mechanism) and the name of the setting it came from, for messages. */
function jaasText(config: BrokerConfig, listenerName: string, mechanism: string): { text: string | null; setting: string } {
  const text = config.saslSetting(listenerName, mechanism, 'sasl.jaas.config')
  return { text: text ?? null, setting: `listener.name.${listenerName.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config` }
}

function plainMechanism(config: BrokerConfig, listenerName: string): PlainMechanism {
  const { text, setting } = jaasText(config, listenerName, 'PLAIN')
  if (text === null) {
    throw configError(`PLAIN is enabled on listener ${listenerName} but no users are configured: set ${setting}=${PLAIN_LOGIN_MODULE} required user_alice="alice-secret";`)
  }
  const entry = parseJaasConfig(text, setting).find((m) => m.loginModule === PLAIN_LOGIN_MODULE)
  if (entry === undefined) throw configError(`${setting} has no ${PLAIN_LOGIN_MODULE} entry; PLAIN users are listed there as user_<name>="<password>".`)
  const { users, check } = plainUsersFromJaas(entry.options)
  if (users.length === 0) throw configError(`${setting} lists no users; add user_<name>="<password>" options to the PlainLoginModule entry.`)
  return new PlainMechanism(check)
}

async function oauthBearerMechanism(config: BrokerConfig, listenerName: string, logger: Logger): Promise<{ mechanism: OAuthBearerMechanism; close: () => void }> {
  const get = <K extends Parameters<BrokerConfig['saslSetting']>[2]>(name: K) => config.saslSetting(listenerName, 'OAUTHBEARER', name)
  const handler = get('sasl.server.callback.handler.class')
  const jwksUrl = get('sasl.oauthbearer.jwks.endpoint.url')
  if (handler !== null && handler !== undefined && handler !== VALIDATOR_HANDLER && !UNSECURED_VALIDATOR_HANDLERS.has(handler)) {
    throw configError(`sasl.server.callback.handler.class ${handler} is not available in Samsa; use ${VALIDATOR_HANDLER} (with sasl.oauthbearer.jwks.endpoint.url) or leave it unset for unsecured tokens.`)
  }
  if (handler === VALIDATOR_HANDLER && (jwksUrl === null || jwksUrl === undefined)) {
    throw configError(`${VALIDATOR_HANDLER} needs sasl.oauthbearer.jwks.endpoint.url (the issuer's JWKS URL) for listener ${listenerName}.`)
  }
  if (jwksUrl !== null && jwksUrl !== undefined) {
    const rules: ClaimRules = {
      subClaimName: get('sasl.oauthbearer.sub.claim.name') ?? 'sub',
      scopeClaimName: get('sasl.oauthbearer.scope.claim.name') ?? 'scope',
      requiredScopes: [],
      clockSkewMs: (get('sasl.oauthbearer.clock.skew.seconds') ?? 30) * 1000,
      expectedAudiences: get('sasl.oauthbearer.expected.audience') ?? [],
      expectedIssuer: get('sasl.oauthbearer.expected.issuer') ?? null,
    }
    if (!/^(https?|file):/.test(jwksUrl)) throw configError(`sasl.oauthbearer.jwks.endpoint.url must be an http(s) or file: URL, got '${jwksUrl}'.`)
    const keys = new JwksKeySource({
      url: jwksUrl,
      refreshMs: get('sasl.oauthbearer.jwks.endpoint.refresh.ms') ?? 3600000,
      retryBackoffMs: get('sasl.oauthbearer.jwks.endpoint.retry.backoff.ms') ?? 100,
      logger,
    })
    try {
      await keys.start()
    } catch (error) {
      throw new SamsaError(ErrorCodes.CONFIG, `Cannot read the JWKS at sasl.oauthbearer.jwks.endpoint.url ${jwksUrl}: ${(error as Error).message}`, { cause: error })
    }
    const validation: OAuthBearerValidation = { kind: 'jwks', keys, rules }
    return { mechanism: new OAuthBearerMechanism(validation), close: () => keys.close() }
  }
  // Unsecured tokens, tuned by the OAuthBearerLoginModule's JAAS options as in Kafka.
  const { text, setting } = jaasText(config, listenerName, 'OAUTHBEARER')
  const options = text === null ? new Map<string, string>() : (parseJaasConfig(text, setting).find((m) => m.loginModule === OAUTHBEARER_LOGIN_MODULE)?.options ?? new Map<string, string>())
  const skew = Number(options.get('unsecuredValidatorAllowableClockSkewMs') ?? '0')
  if (!Number.isInteger(skew) || skew < 0) throw configError(`${setting}: unsecuredValidatorAllowableClockSkewMs must be a whole number of ms.`)
  const rules: ClaimRules = {
    subClaimName: options.get('unsecuredValidatorPrincipalClaimName') ?? 'sub',
    scopeClaimName: options.get('unsecuredValidatorScopeClaimName') ?? 'scope',
    requiredScopes: (options.get('unsecuredValidatorRequiredScope') ?? '').split(/[ ,]+/).filter((s) => s !== ''),
    clockSkewMs: skew,
    expectedAudiences: [],
    expectedIssuer: null,
  }
  logger.warn('OAUTHBEARER accepts unsecured (unsigned) tokens on this listener, as Kafka\'s default handler does: for development only; set sasl.oauthbearer.jwks.endpoint.url in production', { listener: listenerName })
  return { mechanism: new OAuthBearerMechanism({ kind: 'unsecured', rules }), close: () => undefined }
}

function configError(message: string): SamsaError {
  return new SamsaError(ErrorCodes.CONFIG, message)
}
