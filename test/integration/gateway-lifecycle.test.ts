/**
 * The HTTP gateway's life with the broker's: on by default beside the Kafka listener, health
 * endpoints that load balancers and Kubernetes probes use, JSON errors for unknown paths, a busy
 * port that stops the start with a message naming the fix, and `--http-port 0` turning it off.
 */
import { spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { nativeHttpServer } from '../../src/gateway/uws.js'
import { type BrokerProcess, CLI, startBroker } from '../helpers/broker-process.js'
import { tempDir } from '../helpers/temp-dir.js'
import { freePort } from '../helpers/free-ports.js'

let broker: BrokerProcess | undefined
afterEach(async () => {
  await broker?.stop()
  broker = undefined
})

describe('the HTTP gateway', () => {
  it('loads uWebSockets.js natively, not its slow JavaScript fallback', () => {
    expect(nativeHttpServer).toBe(true)
  })

  it('serves health endpoints and announces its URL in the ready line', async () => {
    const httpPort = await freePort()
    broker = await startBroker({ httpPort })
    expect(broker.httpUrl).toBe(`http://127.0.0.1:${httpPort}/`)

    const live = await fetch(new URL('health/live', broker.httpUrl!))
    expect(live.status).toBe(200)
    expect(await live.json()).toEqual({ status: 'UP' })
    const ready = await fetch(new URL('health/ready', broker.httpUrl!))
    expect(ready.status).toBe(200)

    const unknown = await fetch(new URL('no/such/path', broker.httpUrl!))
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toEqual({ error_code: 404, message: 'HTTP 404 Not Found: no route for GET /no/such/path' })
  })

  it('stops the start with a clear message when its port is taken', async () => {
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const { port } = holder.address() as { port: number }
    const dataDir = tempDir('samsa-it-http-')
    try {
      const result = spawnSync(process.execPath, [CLI, 'start', '--port', '0', '--http-port', String(port), '--data-dir', dataDir], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, SAMSA_HTTP_PORT: undefined },
      })
      expect(result.status).not.toBe(0)
      expect(result.stderr).toContain(`Cannot serve HTTP on 127.0.0.1:${port}: the port is in use`)
      expect(result.stderr).toContain('--http-port 0 to turn the HTTP gateway off')
      expect(result.stderr).not.toMatch(/\n\s+at /) // no stack trace
    } finally {
      holder.close()
    }
  })

  it('is off with --http-port 0: the ready line names no URL', async () => {
    broker = await startBroker({ httpPort: 0 })
    expect(broker.httpUrl).toBeNull()
    expect(broker.output()).not.toContain('http://')
  })
})
