/**
 * How this broker logs in to the others when the inter-broker listener is SASL_PLAINTEXT or
 * SASL_SSL, as Kafka configures it: the mechanism is sasl.mechanism.inter.broker.protocol, and
 * the user and password are the username/password options of that listener's JAAS entry for the
 * mechanism (listener.name.<listener>.<mechanism>.sasl.jaas.config, else sasl.jaas.config):
 *
 *   listener.name.internal.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="broker-secret";
 *
 * A SASL inter-broker listener without them stops the start, naming the settings to add.
 */
import type { BrokerConfig } from '../../common/config/broker-config.js'
import { ErrorCodes, SamsaError } from '../../common/errors.js'
import type { SaslCredentials } from './sasl-server.js'
import { parseJaasConfig } from './jaas-config.js'

const CLIENT_MECHANISMS = new Set(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])

export function interBrokerSaslCredentials(config: BrokerConfig, listenerName: string): SaslCredentials {
  const mechanism = (config.get('sasl.mechanism.inter.broker.protocol') ?? 'GSSAPI').toUpperCase()
  if (!CLIENT_MECHANISMS.has(mechanism)) {
    throw new SamsaError(
      ErrorCodes.CONFIG,
      `sasl.mechanism.inter.broker.protocol is ${mechanism}, and the inter-broker listener ${listenerName} uses SASL: ` +
        `brokers log in to each other with PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 in Samsa (Kafka's default, GSSAPI, is not served).`,
    )
  }
  const setting = `listener.name.${listenerName.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`
  const text = config.saslSetting(listenerName, mechanism, 'sasl.jaas.config')
  const options = text === null || text === undefined ? undefined : parseJaasConfig(text, setting)[0]?.options
  const username = options?.get('username')
  const password = options?.get('password')
  if (username === undefined || password === undefined) {
    throw new SamsaError(
      ErrorCodes.CONFIG,
      `The inter-broker listener ${listenerName} uses SASL/${mechanism}, but ${setting} gives no username and password for brokers to log in with; ` +
        `add username="<broker user>" password="<password>" to it.`,
    )
  }
  return { mechanism, username, password }
}
