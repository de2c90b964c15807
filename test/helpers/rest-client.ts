/**
 * Test helper: HTTP requests to the gateway's REST Proxy API with node:http, the way curl or a
 * script would make them: explicit Content-Type and Accept, and the response's status, content
 * type and parsed body (or its text when it is not JSON) returned together for assertions.
 */
import { request as httpRequest } from 'node:http'

export const V2 = 'application/vnd.kafka.v2+json'
export const JSON_V2 = 'application/vnd.kafka.json.v2+json'
export const BINARY_V2 = 'application/vnd.kafka.binary.v2+json'

export interface RestResponse<T = any> {
  readonly status: number
  readonly contentType: string | null
  readonly body: T
}

export interface RestRequestOptions {
  readonly method?: string
  /** An object is sent as JSON; a string as is. */
  readonly body?: unknown
  readonly contentType?: string
  readonly accept?: string
}

/** node:http rather than fetch, which refuses a GET with a body (GET …/offsets takes one, as in Confluent's API). */
export function rest<T = any>(baseUrl: string, path: string, options: RestRequestOptions = {}): Promise<RestResponse<T>> {
  const headers: Record<string, string> = {}
  if (options.contentType !== undefined) headers['content-type'] = options.contentType
  if (options.accept !== undefined) headers['accept'] = options.accept
  const payload = options.body === undefined ? undefined : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body))
  if (payload !== undefined) headers['content-length'] = String(payload.length)
  return new Promise((resolve, reject) => {
    const request = httpRequest(new URL(path.replace(/^\//, ''), baseUrl), { method: options.method ?? (payload === undefined ? 'GET' : 'POST'), headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', reject)
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let body: unknown = text
        try {
          body = text === '' ? undefined : JSON.parse(text)
        } catch {
          // Not JSON: the text itself is the body.
        }
        resolve({ status: response.statusCode!, contentType: response.headers['content-type'] ?? null, body: body as T })
      })
    })
    request.on('error', reject)
    request.end(payload)
  })
}

/** Produces `records` (json format) to `topic` and returns the per-record offsets, failing on any error. */
export async function produceJson(baseUrl: string, topic: string, records: unknown[]): Promise<Array<{ partition: number; offset: number }>> {
  const response = await rest(baseUrl, `/topics/${topic}`, { body: { records }, contentType: JSON_V2, accept: V2 })
  if (response.status !== 200) throw new Error(`REST produce failed: ${response.status} ${JSON.stringify(response.body)}`)
  for (const o of response.body.offsets) if (o.error_code !== null) throw new Error(`REST produce record failed: ${JSON.stringify(o)}`)
  return response.body.offsets
}
