/**
 * Altering a BROKER resource, shared by IncrementalAlterConfigs and AlterConfigs. Only the
 * replication throttle rates are dynamic (dynamic-broker-config.ts); they are kept per broker in
 * the cluster's etcd, so they survive restarts and apply to the broker named.
 *
 * Refusals, as Kafka words them where it can: a static broker setting is INVALID_REQUEST (it is
 * changed in server.properties and applied by a restart), an unknown setting or a bad value is
 * INVALID_CONFIG. The empty resource name (cluster-wide defaults, kafka-configs --entity-default)
 * has none to set. A single broker refuses to store throttles: it has no followers, so a rate
 * would bound nothing, and a setting that silently does nothing is worse than a clear no. Deleting
 * settings that are not set succeeds everywhere, as in Kafka, which is what
 * kafka-reassign-partitions --verify and --cancel do to clear throttles.
 */
import { isBrokerConfigName } from '../../common/config/broker-config.js'
import { type ConfigOperation, ConfigOperations } from '../../common/config/config-operations.js'
import { isDynamicBrokerConfigName } from '../../common/config/dynamic-broker-config.js'
import { ErrorCodes, SamsaError } from '../../common/errors.js'
import type { BrokerContext } from '../broker-context.js'
import { STATIC_BROKER_CONFIGS, brokerResourceProblem } from './config-resources.js'
import { type ErrorResult, NO_ERROR, errorResult, refusal } from './topic-errors.js'

/**
 * Checks and applies a change of broker `name`'s dynamic configs: `operations` name what changes
 * (for the checks), `update` computes the new overrides from the current ones (and may throw
 * SAMSA_CONFIG to refuse).
 */
export async function alterBrokerConfigs(
  broker: BrokerContext,
  name: string,
  operations: readonly ConfigOperation[],
  update: (current: Readonly<Record<string, string>>) => Readonly<Record<string, string>>,
  validateOnly: boolean,
  api: string,
): Promise<ErrorResult> {
  const problem = brokerResourceProblem(broker, name, true)
  if (problem !== undefined) return problem
  const setting = operations.filter((o) => o.operation !== ConfigOperations.DELETE)
  if (setting.length === 0 && operations.length > 0 && (broker.dynamicConfigs === null || name === '')) return NO_ERROR
  const staticName = setting.find((o) => isBrokerConfigName(o.name) && !isDynamicBrokerConfigName(o.name))
  if (staticName !== undefined) return STATIC_BROKER_CONFIGS
  const unknown = setting.find((o) => !isDynamicBrokerConfigName(o.name))
  if (unknown !== undefined) return refusal('INVALID_CONFIG', `Unknown broker setting ${unknown.name}.`)
  if (name === '') {
    return refusal('INVALID_REQUEST', `Samsa has no cluster-wide dynamic broker defaults; set ${setting[0]?.name ?? 'the throttle rates'} on each broker (--entity-name <id>).`)
  }
  if (broker.dynamicConfigs === null) {
    return refusal(
      'INVALID_REQUEST',
      'A single broker has no followers, so replication throttles would bound nothing; they apply to a cluster (start brokers with --etcd).',
    )
  }
  try {
    if (validateOnly) update(broker.dynamicConfigs.current())
    else await broker.dynamicConfigs.update(update)
    return NO_ERROR
  } catch (error) {
    if (error instanceof SamsaError && error.code === ErrorCodes.CONFIG) return refusal('INVALID_CONFIG', error.message)
    return errorResult(error, broker.logger, { api, broker: name })
  }
}
