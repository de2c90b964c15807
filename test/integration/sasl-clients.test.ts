/**
 * SASL with real clients against one real broker process that has three SASL_PLAINTEXT
 * listeners besides its PLAINTEXT one, each configured the way Kafka's server.properties does:
 *
 *   SASL_PLAINTEXT  PLAIN (users in the listener's JAAS line), SCRAM-SHA-256/512 (credentials in
 *                   the data dir, the admin bootstrapped with `samsa user add` before the start),
 *                   OAUTHBEARER with Kafka's default unsecured tokens
 *   JWKS            OAUTHBEARER checked against a JSON Web Key Set (file: URL), audience, issuer
 *   REAUTH          SCRAM-SHA-512 with connections.max.reauth.ms=1500 (KIP-368)
 *   SASL_SSL        TLS (a test CA's certificate), then PLAIN or SCRAM-SHA-512
 *
 * kcat (librdkafka), kafkajs, @platformatic/kafka, the Java client and Kafka 3.9.1's
 * kafka-configs each authenticate and move records; wrong credentials fail at the client with a
 * clear message and leave the broker serving everyone else.
 */
import { execFile } from 'node:child_process'
import { generateKeyPairSync, sign } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrokerProcess, CLI, startBroker } from '../helpers/broker-process.js'
import { kcat, readWithKcat } from '../helpers/clients.js'
import { freePort } from '../helpers/free-ports.js'
import { javaWithConfig, missingTools, prepareJava } from '../helpers/java-client.js'
import { makePki } from '../helpers/tls-certs.js'
import { KafkaTools, ensureKafkaTools, kafkaTool } from '../helpers/kafka-tools.js'

const execFileAsync = promisify(execFile)
const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule'
const SCRAM_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule'
const OAUTH_MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule'

const dir = mkdtempSync(join(tmpdir(), 'samsa-sasl-'))
const dataDir = join(dir, 'data')
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ISSUER = 'https://issuer.samsa.test'
let broker: BrokerProcess
let sasl: string
let jwks: string
let reauth: string
let saslSsl: string
const pki = makePki()

beforeAll(async () => {
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] }))
  // The first SCRAM admin exists before the broker first starts, as with kafka-storage format --add-scram.
  await execFileAsync(process.execPath, [CLI, 'user', 'add', '--data-dir', dataDir, '--user', 'admin', '--password', 'admin-secret', '--mechanism', 'SCRAM-SHA-512'])
  const [saslPort, jwksPort, reauthPort, sslPort] = [await freePort(), await freePort(), await freePort(), await freePort()]
  broker = await startBroker({
    dataDir,
    settings: {
      'listeners': `PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:${saslPort},JWKS://127.0.0.1:${jwksPort},REAUTH://127.0.0.1:${reauthPort},SASL_SSL://127.0.0.1:${sslPort}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,JWKS:SASL_PLAINTEXT,REAUTH:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
      'listener.name.sasl_ssl.ssl.keystore.location': pki.server.keystore,
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'SCRAM-SHA-512,PLAIN',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': `${PLAIN_MODULE} required user_alice="alice-secret" user_bob="bob-secret";`,
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': `${PLAIN_MODULE} required user_alice="alice-secret" user_bob="bob-secret";`,
      'listener.name.jwks.sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.jwks.oauthbearer.sasl.server.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
      'listener.name.jwks.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': pathToFileURL(join(dir, 'jwks.json')).href,
      'listener.name.jwks.oauthbearer.sasl.oauthbearer.expected.audience': 'samsa',
      'listener.name.jwks.oauthbearer.sasl.oauthbearer.expected.issuer': ISSUER,
      'listener.name.reauth.sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'listener.name.reauth.connections.max.reauth.ms': 1500,
    },
  })
  sasl = `127.0.0.1:${saslPort}`
  jwks = `127.0.0.1:${jwksPort}`
  reauth = `127.0.0.1:${reauthPort}`
  saslSsl = `127.0.0.1:${sslPort}`
}, 90_000)

afterAll(async () => {
  await broker?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const scram512 = (user: string, password: string) => ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`]
const overTls = (auth: readonly string[]) => auth.map((arg) => (arg === 'security.protocol=SASL_PLAINTEXT' ? 'security.protocol=SASL_SSL' : arg)).concat(['-X', `ssl.ca.location=${pki.caPem}`])
const plain = (user: string, password: string) => ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`]

async function produceWithKcat(bootstrap: string, topic: string, values: readonly string[], auth: readonly string[]): Promise<void> {
  const result = await kcat(['-P', '-b', bootstrap, '-t', topic, '-X', 'topic.request.required.acks=-1', ...auth], values.join('\n') + '\n')
  expect(result.code, result.stderr).toBe(0)
}

/** What kcat printed when it failed (the test fails if it succeeded). */
async function kcatFailure(args: readonly string[]): Promise<string> {
  const outcome = await kcat(args, undefined, 60_000).then(() => null, (error: Error) => error.message)
  expect(outcome, `kcat ${args.join(' ')} succeeded`).not.toBeNull()
  return outcome!
}

function clientConfig(name: string, lines: Record<string, string>): string {
  const path = join(dir, `${name}.properties`)
  writeFileSync(path, Object.entries(lines).map(([k, v]) => `${k}=${v.replaceAll('\\', '\\\\')}`).join('\n') + '\n')
  return path
}

function signedToken(claims: Record<string, unknown>): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${b64(claims)}`
  return `${input}.${sign('sha256', Buffer.from(input), rsa.privateKey).toString('base64url')}`
}

describe('kcat (librdkafka)', () => {
  it('produces and consumes over SASL_PLAINTEXT with SCRAM-SHA-512 (the bootstrapped admin) and with PLAIN', async () => {
    await produceWithKcat(sasl, 'kcat-scram', ['a', 'b', 'c'], scram512('admin', 'admin-secret'))
    const read = await readWithKcat(sasl, 'kcat-scram', plain('alice', 'alice-secret'))
    expect(read.map((r) => r.value!.toString())).toEqual(['a', 'b', 'c'])
  })

  it('produces and consumes over SASL_SSL with SCRAM-SHA-512 and with PLAIN', async () => {
    await produceWithKcat(saslSsl, 'kcat-sasl-ssl', ['x', 'y'], overTls(scram512('admin', 'admin-secret')))
    expect((await readWithKcat(saslSsl, 'kcat-sasl-ssl', overTls(plain('alice', 'alice-secret')))).map((r) => r.value!.toString())).toEqual(['x', 'y'])
    expect(await kcatFailure(['-L', '-b', saslSsl, '-m', '3', ...overTls(scram512('admin', 'wrong'))])).toContain('invalid credentials with SASL mechanism SCRAM-SHA-512')
  })

  it('fails a wrong password and an unknown user with the reason, and the broker keeps serving', async () => {
    for (const [auth, message] of [
      [scram512('admin', 'wrong'), 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512'],
      [scram512('mallory', 'x'), 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512'],
      [plain('alice', 'wrong'), 'Authentication failed: Invalid username or password'],
      [plain('mallory', 'x'), 'Authentication failed: Invalid username or password'],
    ] as const) {
      expect(await kcatFailure(['-L', '-b', sasl, '-m', '3', ...auth])).toContain(`SASL authentication error: ${message}`)
    }
    const read = await readWithKcat(sasl, 'kcat-scram', scram512('admin', 'admin-secret'))
    expect(read).toHaveLength(3)
  })

  it('is refused at once with the enabled list when it asks for a mechanism the listener lacks', async () => {
    expect(await kcatFailure(['-L', '-b', jwks, '-m', '3', ...plain('alice', 'alice-secret')])).toMatch(/Unsupported SASL mechanism: broker's supported mechanisms: OAUTHBEARER/)
  })
})

describe('samsa user', () => {
  it('lists the bootstrapped admin, and says where PLAIN users live when asked for one', async () => {
    const { stdout } = await execFileAsync(process.execPath, [CLI, 'user', 'list', '--data-dir', dataDir])
    expect(stdout).toContain('admin\tSCRAM-SHA-512 (iterations=4096)')
    const plainAdd = await execFileAsync(process.execPath, [CLI, 'user', 'add', '--data-dir', dataDir, '--user', 'dave', '--password', 'x', '--mechanism', 'PLAIN']).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    )
    expect(plainAdd?.code).toBe(2)
    expect(plainAdd?.stderr).toMatch(/PLAIN users are not stored by Samsa \(nor by Kafka\): list them in the broker's properties/)
  })
})

describe('kafka-configs (Kafka 3.9.1) manages SCRAM users through the SASL listener', () => {
  beforeAll(async () => {
    await ensureKafkaTools()
  }, 300_000)

  it('adds SCRAM-SHA-256 and SCRAM-SHA-512 credentials, describes them, and the new user logs in', async () => {
    const admin = clientConfig('admin', {
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config': `${SCRAM_MODULE} required username="admin" password="admin-secret";`,
    })
    const alter = await kafkaTool(KafkaTools.configs, '--bootstrap-server', sasl, '--command-config', admin, '--alter',
      '--add-config', 'SCRAM-SHA-256=[iterations=8192,password=carol-secret],SCRAM-SHA-512=[password=carol-secret]', '--entity-type', 'users', '--entity-name', 'carol')
    expect(alter.code, alter.stdout + alter.stderr).toBe(0)
    expect(alter.stdout).toMatch(/Completed updating config for user carol/)
    const describe = await kafkaTool(KafkaTools.configs, '--bootstrap-server', sasl, '--command-config', admin, '--describe', '--entity-type', 'users', '--entity-name', 'carol')
    expect(describe.code, describe.stderr).toBe(0)
    expect(describe.stdout).toMatch(/SCRAM-SHA-256=iterations=8192/)
    expect(describe.stdout).toMatch(/SCRAM-SHA-512=iterations=4096/)
    const all = await kafkaTool(KafkaTools.configs, '--bootstrap-server', sasl, '--command-config', admin, '--describe', '--entity-type', 'users')
    expect(all.stdout).toMatch(/admin/)
    expect(all.stdout).toMatch(/carol/)

    const asCarol = ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', 'sasl.username=carol', '-X', 'sasl.password=carol-secret']
    await produceWithKcat(sasl, 'carol-topic', ['from-carol'], asCarol)
    expect((await readWithKcat(sasl, 'carol-topic', asCarol)).map((r) => r.value!.toString())).toEqual(['from-carol'])

    const remove = await kafkaTool(KafkaTools.configs, '--bootstrap-server', sasl, '--command-config', admin, '--alter', '--delete-config', 'SCRAM-SHA-256', '--entity-type', 'users', '--entity-name', 'carol')
    expect(remove.code, remove.stderr).toBe(0)
    expect(await kcatFailure(['-L', '-b', sasl, '-m', '3', ...asCarol])).toMatch(/Authentication failed/)
  })
})

describe('kafkajs and @platformatic/kafka', () => {
  it('kafkajs produces and consumes over SASL_SSL with SCRAM-SHA-512 and reports a wrong password clearly', async () => {
    const ssl = { ca: [readFileSync(pki.caPem, 'utf8')] }
    const kafka = new Kafka({ clientId: 'sasl-kafkajs', brokers: [saslSsl], ssl, logLevel: logLevel.NOTHING, sasl: { mechanism: 'scram-sha-512', username: 'admin', password: 'admin-secret' } })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: 'kafkajs-sasl', acks: -1, messages: [{ value: 'one' }, { value: 'two' }] })
    await producer.disconnect()
    expect((await readWithKcat(sasl, 'kafkajs-sasl', scram512('admin', 'admin-secret'))).map((r) => r.value!.toString())).toEqual(['one', 'two'])

    const wrong = new Kafka({ clientId: 'sasl-kafkajs-wrong', brokers: [saslSsl], ssl, logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'scram-sha-512', username: 'admin', password: 'nope' } })
    const admin = wrong.admin()
    await expect(admin.connect()).rejects.toThrow(/invalid credentials|Authentication failed/i)
  })

  it('@platformatic/kafka produces and consumes over SASL_SSL with PLAIN', async () => {
    const tls = { ca: readFileSync(pki.caPem, 'utf8') }
    const producer = new Producer({
      clientId: 'sasl-platformatic',
      bootstrapBrokers: [saslSsl],
      tls,
      serializers: stringSerializers,
      autocreateTopics: true,
      sasl: { mechanism: 'PLAIN', username: 'bob', password: 'bob-secret' },
    })
    try {
      await producer.send({ messages: [{ topic: 'platformatic-sasl', value: 'p1' }, { topic: 'platformatic-sasl', value: 'p2' }] })
    } finally {
      await producer.close()
    }
    const consumer = new Consumer({
      clientId: 'sasl-platformatic-c',
      groupId: 'platformatic-sasl-group',
      bootstrapBrokers: [saslSsl],
      tls,
      deserializers: stringDeserializers,
      sasl: { mechanism: 'PLAIN', username: 'bob', password: 'bob-secret' },
    })
    try {
      const stream = await consumer.consume({ topics: ['platformatic-sasl'], mode: 'earliest' })
      const values: string[] = []
      for await (const message of stream) {
        values.push(message.value as string)
        if (values.length === 2) break
      }
      await stream.close()
      expect(values).toEqual(['p1', 'p2'])
    } finally {
      await consumer.close(true)
    }
  })

  it('kafkajs authenticates with a JWKS-signed OAUTHBEARER token and is refused one for another audience', async () => {
    const now = Math.floor(Date.now() / 1000)
    const good = signedToken({ sub: 'svc-orders', aud: 'samsa', iss: ISSUER, iat: now, exp: now + 600 })
    const kafka = new Kafka({ clientId: 'sasl-jwks', brokers: [jwks], logLevel: logLevel.NOTHING, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: good }) } })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: 'jwks-topic', acks: -1, messages: [{ value: 'signed' }] })
    await producer.disconnect()
    expect((await readWithKcat(sasl, 'jwks-topic', plain('alice', 'alice-secret'))).map((r) => r.value!.toString())).toEqual(['signed'])

    const bad = signedToken({ sub: 'svc-orders', aud: 'elsewhere', iss: ISSUER, iat: now, exp: now + 600 })
    const refused = new Kafka({ clientId: 'sasl-jwks-bad', brokers: [jwks], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: bad }) } })
    const admin = refused.admin()
    await expect(admin.connect()).rejects.toThrow(/audience/)
  })
})

describe.skipIf(missingTools.length > 0)('the Java client', () => {
  beforeAll(() => prepareJava(), 300_000)

  it('produces and consumes with SCRAM-SHA-512, and with an unsecured OAUTHBEARER token', async () => {
    const scram = clientConfig('java-scram', {
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config': `${SCRAM_MODULE} required username="admin" password="admin-secret";`,
    })
    const sent = (await javaWithConfig(scram, 'produce', sasl, 'java-sasl', '20', '4')).filter((l) => l[0] === 'sent')
    expect(sent).toHaveLength(20)
    const oauth = clientConfig('java-oauth', {
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.jaas.config': `${OAUTH_MODULE} required unsecuredLoginStringClaim_sub="java-reader";`,
    })
    const records = (await javaWithConfig(oauth, 'consume', sasl, 'java-sasl', '20')).filter((l) => l[0] === 'record')
    expect(records.map((r) => r[4]).sort()).toEqual(sent.map((s) => s[1]).sort())
  })

  it('produces and consumes over SASL_SSL with SCRAM-SHA-512 and with PLAIN', async () => {
    const tls = { 'security.protocol': 'SASL_SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': pki.caPem }
    const scram = clientConfig('java-ssl-scram', { ...tls, 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': `${SCRAM_MODULE} required username="admin" password="admin-secret";` })
    const sent = (await javaWithConfig(scram, 'produce', saslSsl, 'java-sasl-ssl', '10', '2')).filter((l) => l[0] === 'sent')
    expect(sent).toHaveLength(10)
    const plainConfig = clientConfig('java-ssl-plain', { ...tls, 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `${PLAIN_MODULE} required username="bob" password="bob-secret";` })
    const records = (await javaWithConfig(plainConfig, 'consume', saslSsl, 'java-sasl-ssl', '10')).filter((l) => l[0] === 'record')
    expect(records.map((r) => r[4]).sort()).toEqual(sent.map((s) => s[1]).sort())
  })

  it('reports a wrong password as an authentication error', async () => {
    const wrong = clientConfig('java-wrong', {
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config': `${SCRAM_MODULE} required username="admin" password="wrong";`,
    })
    await expect(javaWithConfig(wrong, 'produce', sasl, 'java-sasl', '1', '1')).rejects.toThrow(
      /SaslAuthenticationException: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/,
    )
  })

  it('keeps producing and consuming across re-authentications (connections.max.reauth.ms=1500)', async () => {
    const config = clientConfig('java-reauth', {
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config': `${SCRAM_MODULE} required username="admin" password="admin-secret";`,
    })
    const before = broker.output().split('SASL re-authentication succeeded').length
    const sent = (await javaWithConfig(config, 'produce-paced', reauth, 'reauth-topic', '16', '400')).filter((l) => l[0] === 'sent')
    expect(sent.map((s) => s[1])).toEqual(Array.from({ length: 16 }, (_, i) => `value-${i}`))
    expect(sent.map((s) => Number(s[3]))).toEqual(Array.from({ length: 16 }, (_, i) => i))
    const records = (await javaWithConfig(config, 'consume', reauth, 'reauth-topic', '16')).filter((l) => l[0] === 'record')
    expect(records.map((r) => r[4])).toEqual(sent.map((s) => s[1]))
    // About 6.4 s of producing with 1.5 s sessions: the producer's connection re-authenticated.
    expect(broker.output().split('SASL re-authentication succeeded').length - before).toBeGreaterThanOrEqual(2)
  }, 120_000)
})
