/**
 * Test helper: HTTP requests to the gateway's REST Proxy API with Node's fetch, the way curl or a
 * script would make them: explicit Content-Type and Accept, and the response's status, content
 * type and parsed body (or its text when it is not JSON) returned together for assertions.
 */

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

export async function rest<T = any>(baseUrl: string, path: string, options: RestRequestOptions = {}): Promise<RestResponse<T>> {
  const headers: Record<string, string> = {}
  if (options.contentType !== undefined) headers['content-type'] = options.contentType
  if (options.accept !== undefined) headers['accept'] = options.accept
  const response = await fetch(new URL(path.replace(/^\//, ''), baseUrl), {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  })
  const text = await response.text()
  let body: unknown = text
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    // Not JSON: the text itself is the body.
  }
  return { status: response.status, contentType: response.headers.get('content-type'), body: body as T }
}

/** Produces `records` (json format) to `topic` and returns the per-record offsets, failing on any error. */
export async function produceJson(baseUrl: string, topic: string, records: unknown[]): Promise<Array<{ partition: number; offset: number }>> {
  const response = await rest(baseUrl, `/topics/${topic}`, { body: { records }, contentType: JSON_V2, accept: V2 })
  if (response.status !== 200) throw new Error(`REST produce failed: ${response.status} ${JSON.stringify(response.body)}`)
  for (const o of response.body.offsets) if (o.error_code !== null) throw new Error(`REST produce record failed: ${JSON.stringify(o)}`)
  return response.body.offsets
}
