/**
 * Translation of Kafka-named log settings into the addon's config object. Names are checked here
 * (an unknown name is a SAMSA_CONFIG error); value ranges are checked by the addon
 * (SEGLOG_INVALID_CONFIG), the one place that knows the limits of its file formats. Internal:
 * not part of the published API, so the published typings never refer to the addon's.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { cleanerSettingNames, type LogConfig } from './log-config.js'
import type { NativeLogConfig } from './native.js'

const nativeNames = {
  'segment.bytes': 'segmentBytes',
  'segment.ms': 'segmentMs',
  'index.interval.bytes': 'indexIntervalBytes',
  'max.message.bytes': 'maxMessageBytes',
  'retention.ms': 'retentionMs',
  'retention.bytes': 'retentionBytes',
  'flush.messages': 'flushMessages',
  'flush.ms': 'flushMs',
  'message.timestamp.type': 'messageTimestampType',
  'writeback.bytes': 'writebackBytes',
} as const satisfies Record<Exclude<keyof LogConfig, (typeof cleanerSettingNames)[number]>, keyof NativeLogConfig>

const cleanerOnly: ReadonlySet<string> = new Set(cleanerSettingNames)

/** Translates Kafka-named settings into the addon's object, rejecting unknown names and non-integers. */
export function toNativeConfig(config: LogConfig): NativeLogConfig {
  const native: NativeLogConfig = {}
  for (const [name, value] of Object.entries(config)) {
    if (cleanerOnly.has(name)) continue
    if (!Object.hasOwn(nativeNames, name)) {
      throw new SamsaError(ErrorCodes.CONFIG, `Unknown log config "${name}". Known: ${Object.keys(nativeNames).join(', ')}.`)
    }
    if (value === undefined || value === null) continue
    const key = nativeNames[name as keyof typeof nativeNames]
    if (key === 'messageTimestampType') {
      if (value !== 'CreateTime' && value !== 'LogAppendTime') {
        throw new SamsaError(ErrorCodes.CONFIG, `Log config message.timestamp.type must be CreateTime or LogAppendTime, got ${String(value)}.`)
      }
      native.messageTimestampType = value
    } else {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        throw new SamsaError(ErrorCodes.CONFIG, `Log config ${name} must be an integer, got ${String(value)}.`)
      }
      native[key] = value
    }
  }
  return native
}
