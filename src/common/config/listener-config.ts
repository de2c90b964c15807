/**
 * Kafka's listener settings: `listeners` (NAME://host:port, one per named listener),
 * `listener.security.protocol.map` (NAME:PROTOCOL), `advertised.listeners` and the inter-broker
 * listener (`inter.broker.listener.name`, or `security.inter.broker.protocol` naming a listener by
 * its protocol). A listener's name is only a name; its security protocol decides what a
 * connection must do before it is served: nothing (PLAINTEXT), a TLS handshake (SSL), a SASL
 * exchange (SASL_PLAINTEXT), or both (SASL_SSL).
 *
 * The rules follow Kafka's KafkaConfig checks, with messages that name the setting: listener names
 * are unique, each has a protocol in the map, advertised listeners are listeners, no advertised
 * host is the meta-address 0.0.0.0, and the inter-broker listener is advertised.
 */
import { ErrorCodes, SamsaError } from '../errors.js'

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number]

/** Kafka's default listener.security.protocol.map: each protocol is also a listener name. */
export const DEFAULT_SECURITY_PROTOCOL_MAP = ['PLAINTEXT:PLAINTEXT', 'SSL:SSL', 'SASL_PLAINTEXT:SASL_PLAINTEXT', 'SASL_SSL:SASL_SSL']

export interface Listener {
  /** Upper case, as Kafka normalizes it (ListenerName.normalised). */
  readonly name: string
  /** '' binds every interface. */
  readonly host: string
  readonly port: number
  readonly securityProtocol: SecurityProtocol
}

export function isSecurityProtocol(text: string): text is SecurityProtocol {
  return (SECURITY_PROTOCOLS as readonly string[]).includes(text)
}

/** True for the protocols that run TLS on the connection (SSL, SASL_SSL). */
export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL'
}

/** True for the protocols that authenticate with SASL (SASL_PLAINTEXT, SASL_SSL). */
export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL'
}

/** listener.security.protocol.map as a Map from listener name to protocol, validated. */
export function parseSecurityProtocolMap(entries: readonly string[]): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>()
  for (const entry of entries) {
    const colon = entry.indexOf(':')
    const name = entry.slice(0, colon).trim().toUpperCase()
    const protocol = entry.slice(colon + 1).trim().toUpperCase()
    if (colon <= 0 || !/^[A-Z0-9_]+$/.test(name)) {
      throw configError(`Invalid entry '${entry}' in listener.security.protocol.map: expected NAME:PROTOCOL, e.g. INTERNAL:SSL.`)
    }
    if (!isSecurityProtocol(protocol)) {
      throw configError(`Invalid security protocol '${protocol}' for listener ${name} in listener.security.protocol.map: expected one of ${SECURITY_PROTOCOLS.join(', ')}.`)
    }
    if (map.has(name)) throw configError(`listener.security.protocol.map names listener ${name} twice.`)
    map.set(name, protocol)
  }
  return map
}

/** One `NAME://host:port` entry (host may be empty, or [ipv6]). */
export function parseListenerAddress(text: string, setting: string): { name: string; host: string; port: number } {
  const match = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:/]*):(\d+)$/.exec(text.trim())
  if (match === null || Number(match[3]) > 65535) {
    throw configError(`Invalid value '${text}' for setting ${setting}: expected NAME://host:port, e.g. PLAINTEXT://127.0.0.1:9092 or SSL://0.0.0.0:9093.`)
  }
  const host = match[2]!.startsWith('[') ? match[2]!.slice(1, -1) : match[2]!
  return { name: match[1]!.toUpperCase(), host, port: Number(match[3]) }
}

/**
 * Parses `listeners` (or `advertised.listeners`) against the protocol map. Controller listeners
 * (controller.listener.names) are skipped: Samsa has no KRaft controller to serve on them.
 */
export function parseListeners(
  entries: readonly string[],
  setting: 'listeners' | 'advertised.listeners',
  protocols: ReadonlyMap<string, SecurityProtocol>,
  controllerNames: ReadonlySet<string> = new Set(),
): Listener[] {
  const result: Listener[] = []
  const names = new Set<string>()
  const ports = new Map<number, string>()
  for (const text of entries) {
    const { name, host, port } = parseListenerAddress(text, setting)
    if (controllerNames.has(name)) continue
    if (names.has(name)) throw configError(`${setting} names listener ${name} twice; each listener needs its own name.`)
    names.add(name)
    const securityProtocol = protocols.get(name)
    if (securityProtocol === undefined) {
      throw configError(
        `${setting}: listener ${name} has no security protocol in listener.security.protocol.map; add ${name}:<PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL> to it.`,
      )
    }
    if (setting === 'listeners' && port !== 0) {
      const other = ports.get(port)
      if (other !== undefined) throw configError(`listeners: ${other} and ${name} both use port ${port}; each listener needs its own port.`)
      ports.set(port, name)
    }
    if (setting === 'advertised.listeners' && (host === '0.0.0.0' || host === '::')) {
      throw configError(`advertised.listeners: ${name} advertises ${host}, which clients cannot connect to; give the host name or address clients should use.`)
    }
    result.push({ name, host, port, securityProtocol })
  }
  return result
}

/**
 * The inter-broker listener's name: inter.broker.listener.name when set, otherwise the listener
 * named like security.inter.broker.protocol (Kafka's rule; PLAINTEXT by default). Kafka refuses
 * both settings together, and an inter-broker listener that is not advertised, since followers
 * find their leader through the advertised endpoints. A broker that is a cluster of one has no
 * inter-broker traffic, so there a missing default listener falls back to the first one.
 */
export function interBrokerListenerName(
  explicitName: string | null,
  protocol: string | null,
  advertised: readonly Listener[],
  clusterMode: boolean,
): string {
  if (explicitName !== null && protocol !== null) {
    throw configError('Only one of inter.broker.listener.name and security.inter.broker.protocol may be set; inter.broker.listener.name is the newer one.')
  }
  if (protocol !== null && !isSecurityProtocol(protocol.toUpperCase())) {
    throw configError(`Invalid value '${protocol}' for setting security.inter.broker.protocol: expected one of ${SECURITY_PROTOCOLS.join(', ')}.`)
  }
  const name = (explicitName ?? protocol ?? 'PLAINTEXT').toUpperCase()
  if (advertised.some((l) => l.name === name)) return name
  if (explicitName === null && protocol === null && !clusterMode && advertised.length > 0) return advertised[0]!.name
  const setting = explicitName !== null ? 'inter.broker.listener.name' : 'security.inter.broker.protocol'
  throw configError(
    `${setting}: the inter-broker listener ${name} is not among the advertised listeners (${advertised.map((l) => l.name).join(', ')}); ` +
      'set inter.broker.listener.name to one of them.',
  )
}

export function formatListener(listener: { name: string; host: string; port: number }): string {
  return `${listener.name}://${formatHost(listener.host)}:${listener.port}`
}

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

function configError(message: string): SamsaError {
  return new SamsaError(ErrorCodes.CONFIG, message)
}
