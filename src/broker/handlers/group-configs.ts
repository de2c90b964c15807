/**
 * Config resources of type GROUP (KIP-848/KIP-932 group configs), shared by DescribeConfigs,
 * IncrementalAlterConfigs and AlterConfigs. A group's overrides live in the MetadataStore, so
 * every broker sees them (the group's coordinator applies them) and they survive restarts.
 *
 * As Kafka answers: any group id may carry configs, whether or not the group exists yet; an
 * empty id is INVALID_REQUEST; an unknown name, a bad value, a value outside the broker's bounds
 * or a session timeout not above its heartbeat interval is INVALID_CONFIG with a message naming
 * it (common/config/group-config.ts); validate_only checks and changes nothing.
 */
import { validateGroupConfigs } from '../../common/config/group-config.js'
import { type ConfigDescription, describeGroupConfigs } from '../../common/config/config-description.js'
import { ErrorCodes, SamsaError } from '../../common/errors.js'
import type { BrokerContext } from '../broker-context.js'
import { type ErrorResult, NO_ERROR, errorResult, refusal } from './topic-errors.js'

/** Why a GROUP resource cannot be used (an empty group id), or undefined. */
export function groupResourceProblem(name: string): ErrorResult | undefined {
  return name === '' ? refusal('INVALID_REQUEST', 'A group config resource is named by its group id; the name is empty.') : undefined
}

/** Every group config of group `name`, as DescribeConfigs shows them. */
export function describeGroupResource(broker: BrokerContext, name: string): readonly ConfigDescription[] | ErrorResult {
  return groupResourceProblem(name) ?? describeGroupConfigs(broker.config, broker.metadata.groupConfigs(name))
}

/**
 * Replaces group `name`'s overrides with what `update` makes of the current ones, once they pass
 * validation. `update` may throw SAMSA_CONFIG to refuse (INVALID_CONFIG).
 */
export async function alterGroupConfigs(
  broker: BrokerContext,
  name: string,
  update: (current: Readonly<Record<string, string>>) => Readonly<Record<string, string>>,
  validateOnly: boolean,
  api: string,
): Promise<ErrorResult> {
  const problem = groupResourceProblem(name)
  if (problem !== undefined) return problem
  const checked = (current: Readonly<Record<string, string>>): Readonly<Record<string, string>> => {
    const next = update(current)
    validateGroupConfigs(next, broker.config)
    return next
  }
  try {
    if (validateOnly) checked(broker.metadata.groupConfigs(name))
    else await broker.metadata.updateGroupConfigs(name, checked)
    return NO_ERROR
  } catch (error) {
    if (error instanceof SamsaError && error.code === ErrorCodes.CONFIG) return refusal('INVALID_CONFIG', error.message)
    return errorResult(error, broker.logger, { api, group: name })
  }
}
