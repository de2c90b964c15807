/**
 * TLS listeners against real clients: one broker with a PLAINTEXT listener, an SSL listener, an
 * SSL listener that requires client certificates (MTLS, principal from the certificate's DN
 * through ssl.principal.mapping.rules) and one serving an expired certificate. Certificates are
 * made with openssl for this run (test/helpers/tls-certs.ts). Every failure case is followed by
 * a client that still gets served.
 */
import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { connect as connectTcp } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Producer } from '@platformatic/kafka'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { kcat, readWithKcat } from '../helpers/clients.js'
import { kafkajs } from '../helpers/kafka-interop.js'
import { javaWithConfig, missingTools, prepareJava } from '../helpers/java-client.js'
import { type Pki, makePki } from '../helpers/tls-certs.js'

let pki: Pki
let broker: BrokerProcess
/** The key store the SSL listener reads; swapped by the reload test. */
let serverKeystore: string

beforeAll(async () => {
  pki = makePki()
  serverKeystore = join(pki.dir, 'live.keystore.pem')
  copyFileSync(pki.server.keystore, serverKeystore)
  broker = await startBroker({
    logLevel: 'debug',
    settings: {
      'listeners': 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,MTLS://127.0.0.1:0,EXPIRED://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL,EXPIRED:SSL',
      'ssl.keystore.location': serverKeystore,
      'ssl.truststore.location': pki.caPem,
      'listener.name.mtls.ssl.client.auth': 'required',
      'listener.name.mtls.ssl.principal.mapping.rules': 'RULE:^CN=([^,]+),OU=eng,.*$/$1/U,DEFAULT',
      'listener.name.expired.ssl.keystore.location': pki.serverExpired.keystore,
    },
  })
})

afterAll(async () => {
  await broker?.stop()
})

const ssl = (): string[] => ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${pki.caPem}`]
const mtls = (who = pki.client): string[] => [...ssl(), '-X', `ssl.certificate.location=${who.certFile}`, '-X', `ssl.key.location=${who.keyFile}`]
/** kcat that must fail: a short metadata timeout, since librdkafka retries a failing broker. */
const failingKcat = (bootstrap: string, args: string[]) => kcat(['-b', bootstrap, ...args, '-m', '5', '-L'], undefined, 30_000).then(
  () => expect.unreachable('kcat should have failed'),
  (error: Error) => error.message,
)

/** Produces `values` with kcat and reads the topic back; both over the given listener. */
async function roundTrip(bootstrap: string, args: string[], topic: string, values: string[]): Promise<string[]> {
  await kcat(['-b', bootstrap, ...args, '-t', topic, '-P', '-K', ':'], values.map((v) => `k:${v}`).join('\n') + '\n')
  return (await readWithKcat(bootstrap, topic, args)).map((r) => r.value!.toString())
}

async function serialOf(address: string): Promise<string> {
  const [host, port] = address.split(':')
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host, port: Number(port), ca: readFileSync(pki.caPem), servername: 'localhost' }, () => {
      resolve(socket.getPeerX509Certificate()!.serialNumber)
      socket.destroy()
    })
    socket.once('error', reject)
  })
}

/** A Java client properties file (Kafka's own PEM support: ssl.truststore.type=PEM, ...). */
function javaProperties(name: string, settings: Record<string, string>): string {
  const file = join(pki.dir, `${name}.properties`)
  writeFileSync(file, Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n') + '\n')
  return file
}

describe('SSL listeners', () => {
  it('serves kcat (librdkafka) over TLS, and Metadata names the SSL listener it came in on', async () => {
    expect(await roundTrip(broker.listeners.SSL!, ssl(), 'tls-kcat', ['a', 'b', 'c'])).toEqual(['a', 'b', 'c'])
    const metadata = (await kcat(['-b', broker.listeners.SSL!, ...ssl(), '-L', '-J'])).stdout.toString()
    expect(JSON.parse(metadata).brokers).toEqual([{ id: 1, name: broker.listeners.SSL }])
    const plainMetadata = JSON.parse((await kcat(['-b', broker.bootstrap, '-L', '-J'])).stdout.toString())
    expect(plainMetadata.brokers).toEqual([{ id: 1, name: broker.bootstrap }])
  })

  it('takes the principal from the client certificate on a listener that requires one', async () => {
    expect(await roundTrip(broker.listeners.MTLS!, mtls(), 'tls-mtls', ['x', 'y'])).toEqual(['x', 'y'])
    expect(broker.output()).toMatch(/TLS client authenticated .*listener="MTLS".*principal="User:ALICE"/)
    await failingKcat(broker.listeners.MTLS!, ssl())
    expect(broker.output()).toMatch(/TLS handshake failed listener="MTLS" peer="127.0.0.1" reason="the client sent no certificate/)
  })

  it('serves kafkajs over TLS', async () => {
    const { Kafka, logLevel } = kafkajs()
    const kafka = new Kafka({ clientId: 'tls-kafkajs', brokers: [broker.listeners.SSL!], ssl: { ca: [readFileSync(pki.caPem)] }, logLevel: logLevel.NOTHING })
    const producer = kafka.producer({ allowAutoTopicCreation: true })
    await producer.connect()
    try {
      await producer.send({ topic: 'tls-kafkajs', acks: -1, messages: [{ key: 'k', value: 'from kafkajs' }] })
    } finally {
      await producer.disconnect()
    }
    expect((await readWithKcat(broker.listeners.SSL!, 'tls-kafkajs', ssl())).map((r) => r.value!.toString())).toEqual(['from kafkajs'])
  })

  it('serves @platformatic/kafka over TLS', async () => {
    const producer = new Producer({
      clientId: 'tls-platformatic',
      bootstrapBrokers: [broker.listeners.SSL!],
      autocreateTopics: true,
      tls: { ca: readFileSync(pki.caPem) },
    })
    try {
      await producer.send({ messages: [{ topic: 'tls-platformatic', key: Buffer.from('k'), value: Buffer.from('from platformatic') }] })
    } finally {
      await producer.close()
    }
    expect((await readWithKcat(broker.listeners.SSL!, 'tls-platformatic', ssl())).map((r) => r.value!.toString())).toEqual(['from platformatic'])
  })

  it('fails a client that trusts another CA, an expired server certificate and an expired client certificate, and keeps serving', async () => {
    expect(await failingKcat(broker.listeners.SSL!, ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${pki.otherCaPem}`])).toMatch(/certificate verify failed/i)
    expect(await failingKcat(broker.listeners.EXPIRED!, ssl())).toMatch(/certificate (verify failed|has expired)/i)
    await failingKcat(broker.listeners.MTLS!, mtls(pki.clientExpired))
    expect(broker.output()).toMatch(/TLS handshake failed listener="MTLS".*CN=mallory.* refused: CERT_HAS_EXPIRED/)
    expect(await roundTrip(broker.listeners.MTLS!, mtls(), 'tls-after-failures', ['still served'])).toEqual(['still served'])
  })

  it('closes a plaintext Kafka client on a TLS port at once', async () => {
    const [host, port] = broker.listeners.SSL!.split(':')
    const socket = connectTcp({ host: host!, port: Number(port) })
    // An ApiVersions v0 request, as any Kafka client sends first.
    const frame = Buffer.from([0, 0, 0, 14, 0, 18, 0, 0, 0, 0, 0, 1, 0, 4, 0x74, 0x65, 0x73, 0x74])
    socket.write(frame)
    const received: Buffer[] = []
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    await new Promise<void>((resolve) => socket.once('close', () => resolve()))
    // A TLS alert at most: never a Kafka response frame.
    expect(Buffer.concat(received).subarray(0, 1).toString('hex')).toMatch(/^(15)?$/)
    await expect.poll(() => broker.output(), { timeout: 10_000 }).toMatch(/TLS handshake failed listener="SSL".*does not speak TLS/)
    expect(await roundTrip(broker.listeners.SSL!, ssl(), 'tls-after-plaintext', ['ok'])).toEqual(['ok'])
  })

  it('picks up a renewed certificate without a restart: new connections get it, open ones keep going', async () => {
    const before = await serialOf(broker.listeners.SSL!)
    expect(before).toBe(pki.server.serial)
    const open = connectTls({ host: '127.0.0.1', port: Number(broker.listeners.SSL!.split(':')[1]), ca: readFileSync(pki.caPem), servername: 'localhost' })
    await new Promise<void>((resolve, reject) => open.once('secureConnect', resolve).once('error', reject))
    const renewed = pki.issue('server-renewed', '/CN=localhost')
    // Swapped by rename, as configuration management tools and cert-manager do.
    copyFileSync(renewed.keystore, `${serverKeystore}.new`)
    renameSync(`${serverKeystore}.new`, serverKeystore)
    await expect.poll(() => serialOf(broker.listeners.SSL!), { timeout: 20_000, interval: 500 }).toBe(renewed.serial)
    expect(broker.output()).toMatch(/TLS key and trust stores reloaded/)
    // The connection made before the swap still carries Kafka requests (ApiVersions v0).
    const answered = new Promise<Buffer>((resolve) => open.once('data', resolve))
    open.write(Buffer.from([0, 0, 0, 14, 0, 18, 0, 0, 0, 0, 0, 7, 0, 4, 0x74, 0x65, 0x73, 0x74]))
    expect((await answered).readInt32BE(4)).toBe(7)
    open.destroy()
  })

  it.skipIf(missingTools.length > 0)('serves the Java client over SSL and with mutual TLS (PEM stores), the principal from its certificate', async () => {
    prepareJava()
    const trust = { 'security.protocol': 'SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': pki.caPem }
    const overSsl = javaProperties('java-ssl', trust)
    const sent = await javaWithConfig(overSsl, 'produce', broker.listeners.SSL!, 'tls-java', '50', '5')
    expect(sent.filter((l) => l[0] === 'sent')).toHaveLength(50)
    const read = await javaWithConfig(overSsl, 'consume', broker.listeners.SSL!, 'tls-java', '50')
    expect(read.filter((l) => l[0] === 'record').map((l) => l[4]).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `value-${i}`).sort())

    const javaClient = pki.issue('java-client', '/O=Samsa Test/OU=eng/CN=javaclient', { serverNames: false })
    const mutual = javaProperties('java-mtls', { ...trust, 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': javaClient.keystore })
    const sentMutual = await javaWithConfig(mutual, 'produce', broker.listeners.MTLS!, 'tls-java-mtls', '10', '2')
    expect(sentMutual.filter((l) => l[0] === 'sent')).toHaveLength(10)
    expect(broker.output()).toMatch(/TLS client authenticated .*listener="MTLS".*principal="User:JAVACLIENT"/)
  }, 300_000)
})
