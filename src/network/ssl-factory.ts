/**
 * TLS for one listener (server side) or for this broker's connections to other brokers (client
 * side), from Kafka's ssl.* settings as that listener sees them (listener.name.<l>.ssl.* wins over
 * ssl.*), with Node's OpenSSL. Kafka's SslFactory + DefaultSslEngineFactory in one concept: the
 * key store and trust store are PEM (a file holding the key and its chain, or the PEM inline),
 * ssl.enabled.protocols bounds the TLS versions, ssl.cipher.suites narrows the ciphers.
 *
 * Reload without restart: the key store and trust store files are polled (fs.watchFile, by path,
 * so a file swapped by rename is seen as well as one rewritten in place) and `reload()` may be
 * called on a dynamic config change. A new secure context replaces the old one only if it builds:
 * new connections get the new certificate, connections already open keep theirs, and a broken
 * file leaves the working context in place with an error in the log.
 */
import { type Stats, readFileSync, unwatchFile, watchFile } from 'node:fs'
import { X509Certificate } from 'node:crypto'
import { type SecureContext, type SecureContextOptions, type SecureVersion, createSecureContext } from 'node:tls'
import type { BrokerConfig } from '../common/config/broker-config.js'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import type { Logger } from '../common/logger.js'
import { SslPrincipalMapper } from './ssl-principal-mapper.js'

/** The ssl.* settings of one listener, resolved. */
export interface SslSettings {
  /** The listener these settings are for, for messages (`listener.name.<l>.` prefix). */
  readonly listenerName: string
  readonly keystoreLocation: string | null
  readonly keystoreCertificateChain: string | null
  readonly keystoreKey: string | null
  readonly keyPassword: string | null
  readonly truststoreLocation: string | null
  readonly truststoreCertificates: string | null
  readonly enabledProtocols: readonly string[]
  readonly cipherSuites: readonly string[]
  readonly clientAuth: 'none' | 'requested' | 'required'
  readonly principalMappingRules: string
  readonly endpointIdentification: boolean
}

export function sslSettings(config: BrokerConfig, listenerName: string): SslSettings {
  const get = <K extends Parameters<BrokerConfig['forListener']>[1]>(name: K) => config.forListener(listenerName, name)
  return {
    listenerName,
    keystoreLocation: get('ssl.keystore.location') as string | null,
    keystoreCertificateChain: get('ssl.keystore.certificate.chain') as string | null,
    keystoreKey: get('ssl.keystore.key') as string | null,
    keyPassword: get('ssl.key.password') as string | null,
    truststoreLocation: get('ssl.truststore.location') as string | null,
    truststoreCertificates: get('ssl.truststore.certificates') as string | null,
    enabledProtocols: get('ssl.enabled.protocols') as string[],
    cipherSuites: get('ssl.cipher.suites') as string[],
    clientAuth: get('ssl.client.auth') as SslSettings['clientAuth'],
    principalMappingRules: get('ssl.principal.mapping.rules') as string,
    endpointIdentification: (get('ssl.endpoint.identification.algorithm') as string | null ?? '') !== '',
  }
}

export type SslMode = 'server' | 'client'

export class SslFactory {
  readonly settings: SslSettings
  readonly mode: SslMode
  readonly principalMapper: SslPrincipalMapper
  readonly #logger: Logger
  #context: SecureContext
  #contextOptions: SecureContextOptions
  #serial: string | null
  readonly #reloadListeners: Array<() => void> = []
  readonly #watched: string[] = []
  readonly #onFileChange: (current: Stats, previous: Stats) => void

  /** Builds the first context now: bad settings or unreadable files fail the start (SAMSA_CONFIG). */
  constructor(settings: SslSettings, mode: SslMode, logger: Logger) {
    this.settings = settings
    this.mode = mode
    this.#logger = logger
    this.principalMapper = new SslPrincipalMapper(settings.principalMappingRules)
    const built = buildContext(settings, mode)
    this.#context = built.context
    this.#contextOptions = built.options
    this.#serial = built.serial
    this.#onFileChange = (current, previous) => {
      if (current.mtimeMs === previous.mtimeMs && current.ino === previous.ino && current.size === previous.size) return
      this.reload('file changed')
    }
  }

  /** The context new connections use. */
  get secureContext(): SecureContext {
    return this.#context
  }

  /** The options the current context was built from (a tls.Server takes these). */
  get contextOptions(): SecureContextOptions {
    return this.#contextOptions
  }

  /** Calls `listener` after each successful reload. */
  onReload(listener: () => void): void {
    this.#reloadListeners.push(listener)
  }

  /** Serial number (hex) of this side's own certificate, or null when it has none (a client without a key store). */
  get certificateSerial(): string | null {
    return this.#serial
  }

  /** Re-reads the key and trust stores; keeps the current context if the new one does not build. */
  reload(why: string): boolean {
    try {
      const built = buildContext(this.settings, this.mode)
      const changed = built.serial !== this.#serial
      this.#context = built.context
      this.#contextOptions = built.options
      this.#serial = built.serial
      for (const listener of this.#reloadListeners) listener()
      this.#logger.info('TLS key and trust stores reloaded', { listener: this.settings.listenerName, why, certificateSerial: built.serial, certificateChanged: changed })
      return true
    } catch (error) {
      this.#logger.error('TLS key or trust store reload failed; connections keep using the previous certificate', { listener: this.settings.listenerName, why, error })
      return false
    }
  }

  /** Starts polling the key store and trust store files (once a second) for changes. */
  watch(intervalMs = 1000): void {
    for (const file of [this.settings.keystoreLocation, this.settings.truststoreLocation]) {
      if (file === null || this.#watched.includes(file)) continue
      watchFile(file, { interval: intervalMs, persistent: false }, this.#onFileChange)
      this.#watched.push(file)
    }
  }

  close(): void {
    for (const file of this.#watched) unwatchFile(file, this.#onFileChange)
    this.#watched.length = 0
  }
}

function buildContext(settings: SslSettings, mode: SslMode): { context: SecureContext; options: SecureContextOptions; serial: string | null } {
  const where = `listener ${settings.listenerName}`
  const keyStore = readKeyStore(settings, mode)
  const ca = readTrustStore(settings)
  const { minVersion, maxVersion } = protocolRange(settings.enabledProtocols)
  const { ciphers, ciphersuites } = cipherOptions(settings.cipherSuites)
  try {
    const options: SecureContextOptions = {
      ...(keyStore !== null && { key: keyStore.key, cert: keyStore.cert, ...(settings.keyPassword !== null && { passphrase: settings.keyPassword }) }),
      ...(ca !== null && { ca }),
      minVersion,
      maxVersion,
      ...(ciphers !== undefined && { ciphers }),
      ...(ciphersuites !== undefined && { ciphersuites }),
    }
    const context = createSecureContext(options)
    return { context, options, serial: keyStore === null ? null : new X509Certificate(keyStore.cert).serialNumber }
  } catch (error) {
    const message = (error as Error).message
    const hint = /bad decrypt|bad password|PEM_read_bio/i.test(message)
      ? ' (an encrypted key needs ssl.key.password)'
      : /no cipher match|cipher/i.test(message)
        ? ' (check ssl.cipher.suites)'
        : /key values mismatch/i.test(message)
          ? ' (the private key does not belong to the certificate)'
          : ''
    throw new SamsaError(ErrorCodes.CONFIG, `TLS for ${where}: cannot use the key store or trust store: ${message}${hint}.`, { cause: error })
  }
}

function readKeyStore(settings: SslSettings, mode: SslMode): { key: string; cert: string } | null {
  const prefix = `listener.name.${settings.listenerName.toLowerCase()}.`
  let text: string
  if (settings.keystoreLocation !== null) {
    text = readPem(settings.keystoreLocation, 'ssl.keystore.location')
  } else if (settings.keystoreCertificateChain !== null || settings.keystoreKey !== null) {
    if (settings.keystoreCertificateChain === null || settings.keystoreKey === null) {
      throw new SamsaError(ErrorCodes.CONFIG, 'ssl.keystore.certificate.chain and ssl.keystore.key go together: set both, or ssl.keystore.location.')
    }
    text = `${settings.keystoreKey}\n${settings.keystoreCertificateChain}`
  } else if (mode === 'client') {
    return null
  } else {
    throw new SamsaError(
      ErrorCodes.CONFIG,
      `Listener ${settings.listenerName} uses TLS and has no key store: set ssl.keystore.location (a PEM file with the key and its certificate chain) ` +
        `or ssl.keystore.certificate.chain and ssl.keystore.key (${prefix}ssl.* for this listener only).`,
    )
  }
  const blocks = pemBlocks(text)
  const keys = blocks.filter((b) => b.label.endsWith('PRIVATE KEY'))
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE')
  if (keys.length !== 1 || certs.length === 0) {
    const source = settings.keystoreLocation ?? 'ssl.keystore.key / ssl.keystore.certificate.chain'
    throw new SamsaError(
      ErrorCodes.CONFIG,
      `The key store ${source} must hold one PEM private key and its certificate chain; it has ${keys.length} key(s) and ${certs.length} certificate(s).`,
    )
  }
  return { key: keys[0]!.pem, cert: certs.map((c) => c.pem).join('') }
}

function readTrustStore(settings: SslSettings): string | null {
  const text = settings.truststoreLocation !== null
    ? readPem(settings.truststoreLocation, 'ssl.truststore.location')
    : settings.truststoreCertificates
  if (text === null) return null
  const certs = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE')
  if (certs.length === 0) {
    throw new SamsaError(ErrorCodes.CONFIG, `The trust store ${settings.truststoreLocation ?? 'ssl.truststore.certificates'} holds no PEM certificate.`)
  }
  return certs.map((c) => c.pem).join('')
}

function readPem(file: string, setting: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new SamsaError(ErrorCodes.CONFIG, `Cannot read ${setting} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, { cause: error })
  }
}

/**
 * PEM blocks, re-wrapped: inline PEM in a properties file usually arrives on one line (its line
 * breaks turned into spaces by continuation lines), which OpenSSL does not read.
 */
export function pemBlocks(text: string): Array<{ label: string; pem: string }> {
  const out: Array<{ label: string; pem: string }> = []
  const block = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g
  for (let match = block.exec(text); match !== null; match = block.exec(text)) {
    const label = match[1]!
    const body = match[2]!.trim()
    // Encrypted traditional keys carry headers (Proc-Type, DEK-Info) that must stay on their lines.
    const pem = body.includes(':')
      ? `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`
      : `-----BEGIN ${label}-----\n${(body.replace(/\s+/g, '').match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`
    out.push({ label, pem })
  }
  return out
}

function protocolRange(enabled: readonly string[]): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  if (enabled.length === 0) throw new SamsaError(ErrorCodes.CONFIG, 'ssl.enabled.protocols is empty: enable TLSv1.2, TLSv1.3 or both.')
  const versions = enabled.map((v) => v as SecureVersion).sort()
  return { minVersion: versions[0]!, maxVersion: versions[versions.length - 1]! }
}

/**
 * ssl.cipher.suites in Node's two options: TLS 1.3 suites (TLS_AES_128_GCM_SHA256) by their IANA
 * names in `ciphersuites`, TLS 1.2 suites in OpenSSL's names in `ciphers`. Kafka's Java names for
 * TLS 1.2 suites (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) are translated; OpenSSL names pass as given.
 */
export function cipherOptions(suites: readonly string[]): { ciphers?: string; ciphersuites?: string } {
  if (suites.length === 0) return {}
  const tls13: string[] = []
  const tls12: string[] = []
  for (const suite of suites) {
    if (/^TLS_(AES_\d+_GCM_SHA\d+|CHACHA20_POLY1305_SHA256|AES_128_CCM(_8)?_SHA256)$/.test(suite)) tls13.push(suite)
    else tls12.push(openSslCipherName(suite))
  }
  return {
    // An empty TLS 1.3 list turns TLS 1.3 off; an empty TLS 1.2 list, TLS 1.2 (OpenSSL's rules).
    ciphersuites: tls13.join(':'),
    ciphers: tls12.length === 0 ? '!ALL' : tls12.join(':'),
  }
}

function openSslCipherName(suite: string): string {
  const match = /^TLS_(ECDHE|DHE)_(RSA|ECDSA)_WITH_(AES_(128|256)_GCM|CHACHA20_POLY1305)_(SHA256|SHA384)$/.exec(suite)
  if (match === null) {
    if (/^[A-Z0-9-]+$/.test(suite) && suite.includes('-')) return suite
    throw new SamsaError(ErrorCodes.CONFIG, `ssl.cipher.suites: ${suite} is not a cipher suite Samsa knows; use IANA names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.`)
  }
  const [, kx, auth, bulk, bits] = match
  const exchange = kx === 'DHE' ? 'DHE' : 'ECDHE'
  const prefix = auth === 'ECDSA' ? `${exchange}-ECDSA` : `${exchange}-RSA`
  return bulk!.startsWith('CHACHA') ? `${prefix}-CHACHA20-POLY1305` : `${prefix}-AES${bits}-GCM-${match[5]}`
}
