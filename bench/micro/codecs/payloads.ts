/**
 * Realistic record payloads for codec benchmarks: newline-separated JSON events with repeated
 * keys, ids, timestamps, UUIDs and short text, which compress 3-6x like typical Kafka values.
 * All zeros would flatter every codec; random bytes would flatter none.
 */

/** Deterministic xorshift32, so runs compare like with like. */
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state >>> 0
  }
}

const EVENTS = ['page_view', 'add_to_cart', 'checkout', 'login', 'logout', 'search', 'click']
const PAGES = ['/home', '/product/1234', '/cart', '/search?q=shoes', '/account/settings', '/checkout/payment']
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64)', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1)', 'okhttp/4.12.0']
const WORDS = ['fast', 'blue', 'order', 'shipped', 'retry', 'timeout', 'ok', 'cache', 'miss', 'warm']

function hex(next: () => number, digits: number): string {
  let out = ''
  while (out.length < digits) out += next().toString(16).padStart(8, '0')
  return out.slice(0, digits)
}

/** `bytes` bytes of JSON lines. */
export function jsonRecords(bytes: number, seed = 42): Buffer {
  const next = generator(seed)
  const lines: string[] = []
  let length = 0
  let id = 10_000_000
  let ts = 1_732_000_000_000
  while (length < bytes) {
    id += 1 + (next() % 3)
    ts += next() % 250
    const uuid = `${hex(next, 8)}-${hex(next, 4)}-4${hex(next, 3)}-a${hex(next, 3)}-${hex(next, 12)}`
    const note = Array.from({ length: 1 + (next() % 6) }, () => WORDS[next() % WORDS.length]).join(' ')
    const line = `${JSON.stringify({
      id,
      ts,
      session: uuid,
      user: `user-${next() % 100_000}`,
      event: EVENTS[next() % EVENTS.length],
      page: PAGES[next() % PAGES.length],
      agent: AGENTS[next() % AGENTS.length],
      latencyMs: next() % 2000,
      amount: (next() % 100_000) / 100,
      note,
    })}\n`
    lines.push(line)
    length += line.length
  }
  return Buffer.from(lines.join('')).subarray(0, bytes)
}

export const KiB = 1024
export const MiB = 1024 * 1024

export const codecNames = ['gzip', 'snappy', 'lz4', 'zstd'] as const
