/**
 * The feature levels ApiVersions v3+ reports (KIP-584): what a client may rely on beyond API
 * versions. The Java client 4.x reads them: transaction.version 2 would switch its producer to
 * KIP-890 part 2 transactions, so each level here must be what the broker really does.
 *
 * - metadata.version 22 (4.0-IV0): the level group.version 1 requires in Kafka;
 * - group.version 1 when KIP-848 consumer groups are served, else 0;
 * - transaction.version 0 until KIP-890 part 2 is served;
 * - share.version 1 when share groups (KIP-932) are served (group.share.enable), else 0.
 *
 * Kafka reports only levels above 0 as finalized, and leaves supported ranges that start at 0
 * out of ApiVersions v3 (older clients refuse them, KAFKA-17011); v4 carries them.
 */

export interface SupportedFeature {
  readonly name: string
  readonly minVersion: number
  readonly maxVersion: number
}

export interface FinalizedFeature {
  readonly name: string
  readonly minVersionLevel: number
  readonly maxVersionLevel: number
}

export interface BrokerFeatures {
  readonly supported: readonly SupportedFeature[]
  readonly finalized: readonly FinalizedFeature[]
  /** Kafka's is the metadata offset the levels were read at; ours never change while running. */
  readonly epoch: bigint
}

export const METADATA_VERSION_LEVEL = 22

export function brokerFeatures(options: { readonly consumerGroups: boolean; readonly shareGroups?: boolean }): BrokerFeatures {
  const levels: Array<[string, number]> = [
    ['metadata.version', METADATA_VERSION_LEVEL],
    ['group.version', options.consumerGroups ? 1 : 0],
    ['transaction.version', 0],
    ['share.version', options.shareGroups === true ? 1 : 0],
  ]
  return {
    supported: levels.map(([name, level]) => ({ name, minVersion: name === 'metadata.version' ? 1 : 0, maxVersion: level })),
    finalized: levels.filter(([, level]) => level > 0).map(([name, level]) => ({ name, minVersionLevel: level, maxVersionLevel: level })),
    epoch: 1n,
  }
}

/** What ApiVersions of `version` carries of the features. */
export function featuresFor(features: BrokerFeatures, version: number) {
  if (version < 3) return {}
  return {
    supportedFeatures: features.supported.filter((f) => version >= 4 || f.minVersion > 0).map((f) => ({ ...f })),
    finalizedFeaturesEpoch: features.epoch,
    finalizedFeatures: features.finalized.map((f) => ({ ...f })),
  }
}
