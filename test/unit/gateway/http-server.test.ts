/**
 * The uWS adapter copies out of each request only what its route declares it reads, parses the
 * query only when asked, and copies a body once; none of that may change what a handler sees.
 * A real HttpServer on a real socket, driven by node:http.
 */
import { request as httpRequest } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { type HttpRequestInfo, HttpServer } from '../../../src/gateway/uws.js'
import { freePort } from '../../helpers/free-ports.js'

let server: HttpServer | undefined
afterEach(() => {
  server?.close()
  server = undefined
})

interface Seen {
  readonly headers: Record<string, string>
  readonly query: Record<string, string>
  readonly params: readonly string[]
  readonly remoteAddress: string
  readonly body?: string
}

function seen(request: HttpRequestInfo, body?: Buffer): Seen {
  return {
    headers: Object.fromEntries(request.headers),
    query: Object.fromEntries(request.query),
    params: request.params,
    remoteAddress: request.remoteAddress,
    ...(body !== undefined && { body: body.toString('utf8') }),
  }
}

/** A server whose routes answer with what they saw of the request. */
async function start(): Promise<number> {
  const errors: unknown[] = []
  server = new HttpServer((error) => errors.push(error))
  server.route('get', '/all/:name', (exchange) => {
    exchange.json(200, seen(exchange.request))
  })
  server.route('get', '/declared/:name', (exchange) => {
    exchange.json(200, seen(exchange.request))
  }, { reads: { headers: ['accept', 'x-absent'] } })
  server.route('post', '/body', async (exchange) => {
    const body = await exchange.body()
    exchange.json(200, seen(exchange.request, body))
  }, { reads: { headers: ['content-type'], remoteAddress: true }, maxBodyBytes: 64 * 1024 })
  return server.listen('127.0.0.1', await freePort())
}

function send(port: number, method: string, path: string, headers: Record<string, string>, parts: readonly string[] = []): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, body }))
    })
    req.on('error', reject)
    // Each part goes out in its own write, so a body may reach the server in several chunks.
    const write = (i: number): void => {
      if (i === parts.length) req.end()
      else req.write(parts[i], () => write(i + 1))
    }
    write(0)
  })
}

describe('the uWS adapter', () => {
  it('copies every header and the remote address for a route that declares nothing, and parses the query when asked', async () => {
    const port = await start()
    const answer = await send(port, 'GET', '/all/caf%C3%A9?offset=5&format=json&q=a%20b', { accept: 'application/json', 'x-extra': 'kept' })
    expect(answer.status).toBe(200)
    const body = JSON.parse(answer.body) as Seen
    expect(body.headers).toMatchObject({ accept: 'application/json', 'x-extra': 'kept', host: `127.0.0.1:${port}` })
    expect(body.query).toEqual({ offset: '5', format: 'json', q: 'a b' })
    expect(body.params).toEqual(['café'])
    expect(body.remoteAddress).toBe('127.0.0.1')
  })

  it('copies only the declared headers (absent ones stay absent) and no remote address for a route that declares its reads', async () => {
    const port = await start()
    const answer = await send(port, 'GET', '/declared/t1?partition=2', { accept: 'application/vnd.kafka.v2+json', 'x-extra': 'not copied' })
    const body = JSON.parse(answer.body) as Seen
    expect(body.headers).toEqual({ accept: 'application/vnd.kafka.v2+json' })
    expect(body.query).toEqual({ partition: '2' })
    expect(body.params).toEqual(['t1'])
    expect(body.remoteAddress).toBe('')
  })

  it('reads a body sent in several writes whole, with its Content-Length', async () => {
    const port = await start()
    const parts = ['{"records":[', '{"value":"ünï"},'.repeat(2000), '{"value":"last"}]}']
    const total = parts.reduce((sum, part) => sum + Buffer.byteLength(part), 0)
    const answer = await send(port, 'POST', '/body', { 'content-type': 'application/json', 'content-length': String(total) }, parts)
    expect(answer.status).toBe(200)
    const body = JSON.parse(answer.body) as Seen
    expect(body.body).toBe(parts.join(''))
    expect(body.headers).toEqual({ 'content-type': 'application/json', 'content-length': String(total) })
    expect(body.remoteAddress).toBe('127.0.0.1')
  })

  it('reads a chunked body (no Content-Length) whole', async () => {
    const port = await start()
    const parts = ['first part, ', 'second part, ', 'x'.repeat(20_000)]
    const answer = await send(port, 'POST', '/body', { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }, parts)
    expect(answer.status).toBe(200)
    expect((JSON.parse(answer.body) as Seen).body).toBe(parts.join(''))
  })

  it('answers 500 with the error body when a declared-reads route fails, and keeps serving', async () => {
    const port = await start()
    server!.route('get', '/fails', () => {
      throw new Error('broken handler')
    }, { reads: { headers: [] } })
    const failed = await send(port, 'GET', '/fails', {})
    expect(failed.status).toBe(500)
    expect(JSON.parse(failed.body)).toEqual({ error_code: 500, message: 'Internal error: broken handler' })
    expect((await send(port, 'GET', '/declared/t2', {})).status).toBe(200)
  })
})
