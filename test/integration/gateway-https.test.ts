/**
 * The HTTP gateway over TLS: with http.ssl.keystore.location (a PEM file holding the key and its
 * certificate chain, as Kafka's PEM key store) a real broker process serves HTTPS only. A client
 * that trusts the CA gets its answers, a plain-HTTP client on that port gets none, a client that
 * does not trust the CA refuses the certificate, and a key store that cannot be read stops the
 * start with a message that names the setting.
 */
import { request as httpsRequest } from 'node:https'
import { request as httpRequest } from 'node:http'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { SamsaError } from '../../src/common/errors.js'
import { startBroker as startInProcess } from '../../src/start-broker.js'
import { type BrokerProcess, startBrokerWithGateway } from '../helpers/broker-process.js'
import { makePki, type Pki } from '../helpers/tls-certs.js'

let pki: Pki
let broker: BrokerProcess

/** GET over HTTPS, trusting the CA in the PEM file `caFile`. */
function get(url: string, caFile: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: readFileSync(caFile), timeout: 30_000 }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.end()
  })
}

beforeAll(async () => {
  pki = makePki()
  broker = await startBrokerWithGateway({ settings: { 'http.ssl.keystore.location': pki.server.keystore } })
}, 120_000)

afterAll(async () => {
  await broker?.stop()
})

it('serves HTTPS to a client that trusts the CA, and names https:// in the ready line', async () => {
  expect(broker.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/)
  const live = await get(`${broker.httpUrl}health/live`, pki.caPem)
  expect(live.status).toBe(200)
  const topics = await get(`${broker.httpUrl}topics`, pki.caPem)
  expect(topics.status).toBe(200)
  expect(JSON.parse(topics.body)).toEqual(expect.any(Array))
}, 60_000)

it('gives a plain-HTTP client nothing, and a client that does not trust the CA refuses the certificate', async () => {
  const port = new URL(broker.httpUrl!).port
  const plain = await new Promise<string>((resolve) => {
    const req = httpRequest(`http://127.0.0.1:${port}/health/live`, { timeout: 30_000 }, (res) => resolve(`answered ${res.statusCode}`))
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.end()
  })
  expect(plain).not.toMatch(/^answered/)
  await expect(get(`${broker.httpUrl}health/live`, pki.otherCaPem)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i)
  // The broker keeps serving those who trust it.
  expect((await get(`${broker.httpUrl}health/live`, pki.caPem)).status).toBe(200)
}, 60_000)

it('refuses to start with a key store that holds no key, naming the setting', async () => {
  const certificateOnly = join(pki.dir, 'certificate-only.pem')
  writeFileSync(certificateOnly, readFileSync(pki.server.certFile))
  const error = await startInProcess({ 'http.port': 0, 'http.ssl.keystore.location': certificateOnly }).then(
    async (started) => {
      await started.close()
      return null
    },
    (caught: unknown) => caught,
  )
  // http.port 0 turns the gateway off: nothing to check, so the start succeeds.
  expect(error).toBeNull()
  const refused = await startInProcess({ 'http.port': 18_099, 'http.ssl.keystore.location': certificateOnly }).catch((caught: unknown) => caught)
  expect(SamsaError.is(refused, 'SAMSA_CONFIG')).toBe(true)
  expect((refused as Error).message).toMatch(/http\.ssl\.keystore\.location: .*certificate-only\.pem must hold a PEM private key/)
}, 60_000)
