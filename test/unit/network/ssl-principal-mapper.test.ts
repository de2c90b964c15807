import { describe, expect, it } from 'vitest'
import { SslPrincipalMapper, distinguishedName } from '../../../src/network/ssl-principal-mapper.js'
import { SslFactory, cipherOptions, pemBlocks, sslSettings } from '../../../src/network/ssl-factory.js'
import { BrokerConfig } from '../../../src/common/config/broker-config.js'
import { createLogger } from '../../../src/common/logger.js'

describe('ssl.principal.mapping.rules', () => {
  const dn = 'CN=alice,OU=ServiceUsers,O=Example,C=US'

  it('keeps the whole DN with DEFAULT (and when no rules are set)', () => {
    expect(new SslPrincipalMapper('DEFAULT').name(dn)).toBe(dn)
    expect(new SslPrincipalMapper('').name(dn)).toBe(dn)
  })

  it("applies the first matching RULE, with Java's $1 groups and L/U case", () => {
    // Kafka's documented example: commas inside a rule belong to it, commas between rules separate.
    const rules = 'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L,DEFAULT'
    const mapper = new SslPrincipalMapper(rules)
    expect(mapper.name(dn)).toBe('alice')
    expect(mapper.name('CN=Bob,OU=Sales,O=Example,L=Paris,ST=IDF,C=FR')).toBe('bob@sales')
    expect(mapper.name('CN=carol,O=Other')).toBe('CN=carol,O=Other')
    expect(new SslPrincipalMapper('RULE:^CN=([^,]+).*$/$1/U').name(dn)).toBe('ALICE')
  })

  it('refuses a DN no rule matches, and rules that do not parse', () => {
    expect(() => new SslPrincipalMapper('RULE:^CN=(.*?),OU=eng.*$/$1/').name(dn)).toThrowError(/No rule of ssl\.principal\.mapping\.rules .* applies to the distinguished name CN=alice/)
    expect(() => new SslPrincipalMapper('RULE:^CN=(.*$/$1/')).toThrowError(/Invalid pattern/)
    expect(() => new SslPrincipalMapper('CN=alice')).toThrowError(/expected RULE:pattern\/replacement\/\[LU\] or DEFAULT/)
  })

  it("writes a certificate subject as Java's X500Principal does: most specific first, special characters escaped", () => {
    expect(distinguishedName('C=US\nO=Example, Inc.\nOU=eng\nCN=alice')).toBe('CN=alice,OU=eng,O=Example\\, Inc.,C=US')
  })
})

describe('ssl key store and cipher settings', () => {
  it('re-wraps inline PEM that arrived on one line', () => {
    const [block] = pemBlocks(`-----BEGIN CERTIFICATE----- ${'A'.repeat(100)} -----END CERTIFICATE-----`)
    expect(block!.pem).toBe(`-----BEGIN CERTIFICATE-----\n${'A'.repeat(64)}\n${'A'.repeat(36)}\n-----END CERTIFICATE-----\n`)
  })

  it("turns Kafka's IANA cipher suite names into Node's two options", () => {
    expect(cipherOptions(['TLS_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'])).toEqual({
      ciphersuites: 'TLS_AES_128_GCM_SHA256',
      ciphers: 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305',
    })
    expect(() => cipherOptions(['TLS_RSA_WITH_RC4_128_MD5'])).toThrowError(/ssl\.cipher\.suites: TLS_RSA_WITH_RC4_128_MD5/)
  })

  it('refuses to start a TLS listener without a usable key store, naming the settings', () => {
    const logger = createLogger('test', 'silent')
    const factory = (...set: string[]) => {
      const config = BrokerConfig.load({ set: ['listeners=SSL://127.0.0.1:9093', ...set] })
      return new SslFactory(sslSettings(config, 'SSL'), 'server', logger)
    }
    expect(() => factory()).toThrowError(/Listener SSL uses TLS and has no key store: set ssl\.keystore\.location/)
    expect(() => factory('ssl.keystore.location=/nonexistent/server.pem')).toThrowError(/Cannot read ssl\.keystore\.location \/nonexistent\/server\.pem: ENOENT/)
    expect(() => factory('ssl.keystore.key=-----BEGIN PRIVATE KEY----- AAAA -----END PRIVATE KEY-----')).toThrowError(/ssl\.keystore\.certificate\.chain and ssl\.keystore\.key go together/)
    expect(() => BrokerConfig.load({ set: ['listener.name.ssl.ssl.client.auth=always'] })).toThrowError(/listener\.name\.ssl\.ssl\.client\.auth.*none, requested, required/)
    expect(() => BrokerConfig.load({ set: ['listener.name.ssl.num.partitions=3'] })).toThrowError(/Unknown setting listener\.name\.ssl\.num\.partitions/)
  })
})
