// The console's calls to the broker, all relative to the page so the console works through any
// host name, port or proxy the browser reaches the broker by.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

async function call(path, { method = 'GET', body, contentType = 'application/json', accept = 'application/json' } = {}) {
  let response
  try {
    response = await fetch(path, {
      method,
      headers: { accept, ...(body !== undefined && { 'content-type': contentType }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, 0, 'The broker cannot be reached. Is it running?')
  }
  const text = await response.text()
  let value = null
  try {
    value = text === '' ? null : JSON.parse(text)
  } catch {
    // not JSON; handled below
  }
  if (!response.ok) {
    const message = value && typeof value.message === 'string' ? value.message : `The broker answered HTTP ${response.status} to ${method} ${path}.`
    throw new ApiError(response.status, value?.error_code ?? response.status, message)
  }
  return value
}

const enc = encodeURIComponent

export const api = {
  cluster: () => call('api/cluster'),
  clients: () => call('api/clients'),
  topics: () => call('api/topics'),
  topic: (name) => call(`api/topics/${enc(name)}`),
  createTopic: (spec) => call('api/topics', { method: 'POST', body: spec }),
  deleteTopic: (name) => call(`api/topics/${enc(name)}`, { method: 'DELETE' }),
  configs: (name) => call(`api/topics/${enc(name)}/configs`),
  setConfig: (topic, name, value) => call(`api/topics/${enc(topic)}/configs/${enc(name)}`, { method: 'PUT', body: { value } }),
  resetConfig: (topic, name) => call(`api/topics/${enc(topic)}/configs/${enc(name)}`, { method: 'DELETE' }),
  offsetForTime: (topic, partition, timestamp) => call(`api/topics/${enc(topic)}/partitions/${partition}/offset?timestamp=${timestamp}`),
  groups: () => call('api/groups'),
  group: (id) => call(`api/groups/${enc(id)}`),
  resetOffsets: (id, body) => call(`api/groups/${enc(id)}/offsets/reset`, { method: 'POST', body }),

  records: (topic, partition, offset, limit) => call(`api/topics/${enc(topic)}/partitions/${partition}/records?offset=${offset}&limit=${limit}`),

  // The gateway's REST Proxy v2 produce, in the binary embedded format (base64 keys and values).
  produce: (topic, record) =>
    call(`topics/${enc(topic)}`, { method: 'POST', body: { records: [record] }, contentType: 'application/vnd.kafka.binary.v2+json', accept: 'application/vnd.kafka.v2+json' }),

  /** Prometheus text from /metrics, or null when this broker does not serve it. */
  async metrics() {
    const response = await fetch('metrics', { headers: { accept: 'text/plain' } }).catch(() => null)
    if (response === null || !response.ok) return null
    return response.text()
  },
}

/** The WebSocket URL of a topic's live stream, on the page's own host. */
export function tailUrl(topic, query) {
  const url = new URL(`v1/ws/topics/${enc(topic)}?${query}`, location.href)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  return url.toString()
}
