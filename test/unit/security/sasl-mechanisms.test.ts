/**
 * The SASL mechanisms on their own, against client sides written from the RFCs here (not the
 * broker's code), so a shared misunderstanding cannot make both halves agree.
 */
import { createHmac, createHash, generateKeyPairSync, pbkdf2Sync, randomBytes, sign } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../../src/common/logger.js'
import { parseJaasConfig } from '../../../src/security/sasl/jaas-config.js'
import { JwksKeySource } from '../../../src/security/sasl/jwks.js'
import type { ClaimRules } from '../../../src/security/sasl/jwt.js'
import { OAuthBearerMechanism } from '../../../src/security/sasl/oauthbearer.js'
import { PlainMechanism, plainUsersFromJaas } from '../../../src/security/sasl/plain.js'
import { SaslAuthenticationError, type SaslStep } from '../../../src/security/sasl/sasl-server.js'
import { ScramMechanism } from '../../../src/security/sasl/scram.js'
import { saslLogin } from '../../../src/client/sasl-login.js'
import { scramPasswordMatches } from '../../../src/security/sasl/password-check.js'
import { type ScramMechanismName, credentialFromSaltedPassword, newScramCredential } from '../../../src/security/sasl/scram-credential.js'

const logger = createLogger('test', 'error')

async function refusal(run: () => SaslStep | Promise<SaslStep>): Promise<string> {
  try {
    await run()
  } catch (error) {
    expect(error).toBeInstanceOf(SaslAuthenticationError)
    return (error as Error).message
  }
  throw new Error('the mechanism accepted what it should have refused')
}

describe('JAAS config', () => {
  it("reads Kafka's PlainLoginModule line with quoted values, escapes and several users", () => {
    const [entry, ...rest] = parseJaasConfig(
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="a\\"b" user_admin="a\\"b" user_alice=\'alice-secret\';',
      'sasl.jaas.config',
    )
    expect(rest).toEqual([])
    expect(entry!.loginModule).toBe('org.apache.kafka.common.security.plain.PlainLoginModule')
    expect(entry!.flag).toBe('required')
    expect(Object.fromEntries(entry!.options)).toEqual({ username: 'admin', password: 'a"b', user_admin: 'a"b', user_alice: 'alice-secret' })
  })

  it('names the setting and the problem when the entry is malformed', () => {
    expect(() => parseJaasConfig('org.Foo required user_a="x"', 'listener.name.sasl_ssl.plain.sasl.jaas.config')).toThrow(/listener\.name\.sasl_ssl\.plain\.sasl\.jaas\.config: the entry for org\.Foo does not end with ';'/)
    expect(() => parseJaasConfig('org.Foo mandatory;', 'sasl.jaas.config')).toThrow(/control flag/)
    expect(() => parseJaasConfig('org.Foo required user_a="x;', 'sasl.jaas.config')).toThrow(/not closed/)
  })
})

describe('PLAIN', () => {
  const { check } = plainUsersFromJaas(new Map([['user_alice', 'alice-secret'], ['username', 'admin']]))
  const plain = new PlainMechanism(check)
  const token = (authzid: string, user: string, password: string) => Buffer.from(`${authzid}\0${user}\0${password}`)

  it('authenticates a configured user as User:<name>', () => {
    const step = plain.createServer().evaluate(token('', 'alice', 'alice-secret')) as SaslStep
    expect(step).toMatchObject({ complete: true, principal: { principalType: 'User', name: 'alice' } })
  })

  it("refuses a wrong password and an unknown user with Kafka's message, the same for both", async () => {
    expect(await refusal(() => plain.createServer().evaluate(token('', 'alice', 'wrong')))).toBe('Authentication failed: Invalid username or password')
    expect(await refusal(() => plain.createServer().evaluate(token('', 'mallory', 'alice-secret')))).toBe('Authentication failed: Invalid username or password')
  })

  it('refuses a malformed message and an authorization id for someone else', async () => {
    expect(await refusal(() => plain.createServer().evaluate(Buffer.from('alice')))).toMatch(/expected 3 tokens/)
    expect(await refusal(() => plain.createServer().evaluate(token('admin', 'alice', 'alice-secret')))).toMatch(/authorization id/)
  })
})

/** RFC 5802 client side. */
function scramClient(mechanism: ScramMechanismName, user: string, password: string) {
  const algorithm = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512'
  const nonce = randomBytes(16).toString('base64')
  const clientFirstBare = `n=${user},r=${nonce}`
  let expectedServerSignature = ''
  return {
    first: () => Buffer.from(`n,,${clientFirstBare}`),
    final(serverFirst: Buffer) {
      const text = serverFirst.toString()
      const fields = Object.fromEntries(text.split(',').map((kv) => [kv[0], kv.slice(2)]))
      expect(fields['r']!.startsWith(nonce)).toBe(true)
      const salted = pbkdf2Sync(password, Buffer.from(fields['s']!, 'base64'), Number(fields['i']), algorithm === 'sha256' ? 32 : 64, algorithm)
      const clientKey = createHmac(algorithm, salted).update('Client Key').digest()
      const storedKey = createHash(algorithm).update(clientKey).digest()
      const withoutProof = `c=${Buffer.from('n,,').toString('base64')},r=${fields['r']}`
      const authMessage = `${clientFirstBare},${text},${withoutProof}`
      const signature = createHmac(algorithm, storedKey).update(authMessage).digest()
      const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!))
      const serverKey = createHmac(algorithm, salted).update('Server Key').digest()
      expectedServerSignature = createHmac(algorithm, serverKey).update(authMessage).digest('base64')
      return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`)
    },
    verifyServer(serverFinal: Buffer) {
      expect(serverFinal.toString()).toBe(`v=${expectedServerSignature}`)
    },
  }
}

describe.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s', (mechanism) => {
  const credentials = new Map([['alice', newScramCredential(mechanism, 'alice-secret', 8192)]])
  const scram = new ScramMechanism(mechanism, (user, m) => (m === mechanism ? credentials.get(user) : undefined))

  it('completes both round trips for the right password and proves the server knows the credential', async () => {
    const client = scramClient(mechanism, 'alice', 'alice-secret')
    const server = scram.createServer()
    const serverFirst = (await server.evaluate(client.first())) as SaslStep
    expect(serverFirst.complete).toBe(false)
    expect(serverFirst.challenge.toString()).toMatch(/,i=8192$/)
    const serverFinal = await server.evaluate(client.final(serverFirst.challenge))
    expect(serverFinal).toMatchObject({ complete: true, principal: { principalType: 'User', name: 'alice' } })
    client.verifyServer(serverFinal.challenge)
  })

  it('refuses a wrong password and an unknown user with one message, after the same two round trips', async () => {
    for (const [user, password] of [['alice', 'wrong'], ['mallory', 'alice-secret']] as const) {
      const client = scramClient(mechanism, user, password)
      const server = scram.createServer()
      const serverFirst = (await server.evaluate(client.first())) as SaslStep
      expect(serverFirst.complete).toBe(false)
      expect(await refusal(() => server.evaluate(client.final(serverFirst.challenge)))).toBe(
        `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`,
      )
    }
  })

  it('gives an unknown user the same made-up salt every time, so probing reveals nothing', async () => {
    const salts = await Promise.all([1, 2].map(async () => {
      const step = (await scram.createServer().evaluate(scramClient(mechanism, 'mallory', 'x').first())) as SaslStep
      return step.challenge.toString().split(',')[1]
    }))
    expect(salts[0]).toBe(salts[1])
  })

  it('refuses garbage, a changed nonce and the delegation-token extension', async () => {
    expect(await refusal(() => scram.createServer().evaluate(randomBytes(64)))).toMatch(/invalid SASL/)
    expect(await refusal(() => scram.createServer().evaluate(Buffer.from('n,,n=alice,r=abc,tokenauth=true')))).toMatch(/delegation tokens/)
    const server = scram.createServer()
    const client = scramClient(mechanism, 'alice', 'alice-secret')
    const serverFirst = (await server.evaluate(client.first())) as SaslStep
    const final = client.final(serverFirst.challenge).toString().replace(/r=[^,]+/, 'r=forged')
    expect(await refusal(() => server.evaluate(Buffer.from(final)))).toMatch(/nonce/)
  })

  it('stores no password: the credential derived from a salted password matches the one from the password', () => {
    const salt = randomBytes(16)
    const algorithm = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512'
    const salted = pbkdf2Sync('pw', salt, 4096, algorithm === 'sha256' ? 32 : 64, algorithm)
    const credential = credentialFromSaltedPassword(mechanism, salted, salt, 4096)
    expect(Object.keys(credential).sort()).toEqual(['iterations', 'salt', 'serverKey', 'storedKey'])
    expect(credential.storedKey.equals(createHash(algorithm).update(createHmac(algorithm, salted).update('Client Key').digest()).digest())).toBe(true)
  })
})

describe('OAUTHBEARER', () => {
  const now = 1_700_000_000_000
  const rules: ClaimRules = { subClaimName: 'sub', scopeClaimName: 'scope', requiredScopes: [], clockSkewMs: 0, expectedAudiences: [], expectedIssuer: null }
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const message = (token: string) => Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`)
  const unsecured = (claims: Record<string, unknown>) => `${b64({ alg: 'none' })}.${b64(claims)}.`

  it('accepts an unsecured token with sub and exp, and bounds the session by exp', async () => {
    const mechanism = new OAuthBearerMechanism({ kind: 'unsecured', rules }, () => now)
    const step = await mechanism.createServer().evaluate(message(unsecured({ sub: 'alice', exp: now / 1000 + 60, iat: now / 1000 })))
    expect(step).toMatchObject({ complete: true, principal: { name: 'alice' }, credentialExpiresAtMs: now + 60_000 })
  })

  it('refuses expired, subject-less, signed-as-none-but-with-signature and malformed tokens, saying why', async () => {
    const mechanism = new OAuthBearerMechanism({ kind: 'unsecured', rules }, () => now)
    expect(await refusal(() => mechanism.createServer().evaluate(message(unsecured({ sub: 'alice', exp: now / 1000 - 1 }))))).toMatch(/expired/)
    expect(await refusal(() => mechanism.createServer().evaluate(message(unsecured({ exp: now / 1000 + 60 }))))).toMatch(/sub claim/)
    expect(await refusal(() => mechanism.createServer().evaluate(message(`${unsecured({ sub: 'a', exp: now / 1000 + 60 })}c2ln`)))).toMatch(/no signature/)
    expect(await refusal(() => mechanism.createServer().evaluate(Buffer.from('garbage')))).toMatch(/client first message/)
  })

  describe('signed by a JWKS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-jwks-'))
    afterAll(() => rmSync(dir, { recursive: true, force: true }))
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwksPath = join(dir, 'jwks.json')
    writeFileSync(jwksPath, JSON.stringify({
      keys: [
        { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
        { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      ],
    }))
    const signed = (alg: 'RS256' | 'ES256', kid: string, key: Parameters<typeof sign>[2], claims: Record<string, unknown>) => {
      const input = `${b64({ alg, kid, typ: 'JWT' })}.${b64(claims)}`
      const signature = alg === 'ES256' ? sign('sha256', Buffer.from(input), { key: key as never, dsaEncoding: 'ieee-p1363' }) : sign('sha256', Buffer.from(input), key)
      return `${input}.${signature.toString('base64url')}`
    }
    const claims = { sub: 'svc', exp: now / 1000 + 300, iat: now / 1000, aud: 'samsa', iss: 'https://issuer.example' }
    const jwksRules = { ...rules, expectedAudiences: ['samsa'], expectedIssuer: 'https://issuer.example' }

    it('accepts RS256 and ES256 tokens whose signature, audience and issuer check out', async () => {
      const keys = new JwksKeySource({ url: pathToFileURL(jwksPath).href, refreshMs: 60_000, retryBackoffMs: 0, logger })
      await keys.start()
      try {
        const mechanism = new OAuthBearerMechanism({ kind: 'jwks', keys, rules: jwksRules }, () => now)
        expect(await mechanism.createServer().evaluate(message(signed('RS256', 'rsa-1', rsa.privateKey, claims)))).toMatchObject({ complete: true, principal: { name: 'svc' } })
        expect(await mechanism.createServer().evaluate(message(signed('ES256', 'ec-1', ec.privateKey, claims)))).toMatchObject({ complete: true, principal: { name: 'svc' } })
      } finally {
        keys.close()
      }
    })

    it('refuses a token signed by another key, for another audience or issuer, or unsigned', async () => {
      const keys = new JwksKeySource({ url: pathToFileURL(jwksPath).href, refreshMs: 60_000, retryBackoffMs: 0, logger })
      await keys.start()
      try {
        const mechanism = new OAuthBearerMechanism({ kind: 'jwks', keys, rules: jwksRules }, () => now)
        expect(await refusal(() => mechanism.createServer().evaluate(message(signed('RS256', 'rsa-1', other.privateKey, claims))))).toMatch(/signature does not verify/)
        expect(await refusal(() => mechanism.createServer().evaluate(message(signed('RS256', 'rsa-1', rsa.privateKey, { ...claims, aud: 'other' }))))).toMatch(/audience/)
        expect(await refusal(() => mechanism.createServer().evaluate(message(signed('RS256', 'rsa-1', rsa.privateKey, { ...claims, iss: 'https://evil' }))))).toMatch(/issuer/)
        expect(await refusal(() => mechanism.createServer().evaluate(message(unsecured(claims))))).toMatch(/algorithm none/)
        expect(await refusal(() => mechanism.createServer().evaluate(message(signed('RS256', 'unknown-kid', rsa.privateKey, claims))))).toMatch(/no key/)
      } finally {
        keys.close()
      }
    })
  })
})

describe("Samsa's client login (the replica fetcher's)", () => {
  const credentials = new Map([['broker', newScramCredential('SCRAM-SHA-512', 'broker-secret')]])
  const scram = new ScramMechanism('SCRAM-SHA-512', (user) => credentials.get(user))
  const transport = (mechanisms = new Map<string, { createServer(): { evaluate(t: Buffer): SaslStep | Promise<SaslStep> } }>([['SCRAM-SHA-512', scram]])) => {
    let server: { evaluate(t: Buffer): SaslStep | Promise<SaslStep> } | null = null
    return {
      address: 'broker-2:9093',
      async handshake(mechanism: string) {
        const factory = mechanisms.get(mechanism)
        server = factory?.createServer() ?? null
        return { errorCode: factory === undefined ? 33 : 0, mechanisms: [...mechanisms.keys()] }
      },
      async authenticate(token: Buffer) {
        try {
          const step = await server!.evaluate(token)
          return { errorCode: 0, errorMessage: null, authBytes: step.challenge }
        } catch (error) {
          return { errorCode: 58, errorMessage: (error as Error).message, authBytes: Buffer.alloc(0) }
        }
      },
    }
  }

  it('logs in with SCRAM-SHA-512 and checks the server signature', async () => {
    await expect(saslLogin(transport(), { mechanism: 'SCRAM-SHA-512', username: 'broker', password: 'broker-secret' })).resolves.toBeUndefined()
  })

  it('names the broker and the reason when the login fails or the mechanism is not offered', async () => {
    await expect(saslLogin(transport(), { mechanism: 'SCRAM-SHA-512', username: 'broker', password: 'wrong' })).rejects.toThrow(
      /broker-2:9093 refused SASL\/SCRAM-SHA-512 login as broker: Authentication failed during authentication due to invalid credentials/,
    )
    await expect(saslLogin(transport(), { mechanism: 'PLAIN', username: 'broker', password: 'x' })).rejects.toThrow(/does not offer SASL mechanism PLAIN \(it offers SCRAM-SHA-512\)/)
  })
})

describe('password checks for HTTP Basic', () => {
  it('accepts a SCRAM user\'s password and refuses a wrong one or an unknown user', () => {
    const credential = newScramCredential('SCRAM-SHA-256', 'carol-secret', 4096)
    const store = { credential: (user: string, mechanism: string) => (user === 'carol' && mechanism === 'SCRAM-SHA-256' ? credential : undefined) } as never
    expect(scramPasswordMatches(store, 'carol', 'carol-secret')).toBe(true)
    expect(scramPasswordMatches(store, 'carol', 'wrong')).toBe(false)
    expect(scramPasswordMatches(store, 'dave', 'carol-secret')).toBe(false)
  })
})
