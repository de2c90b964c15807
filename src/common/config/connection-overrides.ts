/**
 * max.connections.per.ip.overrides: Kafka's `host:count` list ("127.0.0.1:200,10.0.0.7:0"), which
 * raises or lowers the per-IP connection limit for the hosts it names. Samsa takes IP addresses
 * only (Kafka also resolves host names once at start; a name here would silently stop matching
 * when DNS changes), and IPv6 addresses with the count after the last colon ("::1:50").
 */
import { isIP } from 'node:net'

/** The overrides as address → most connections, or an error message naming the bad entry. */
export function parseConnectionOverrides(entries: readonly string[]): Map<string, number> | string {
  const limits = new Map<string, number>()
  for (const raw of entries) {
    const entry = raw.trim()
    if (entry === '') continue
    const colon = entry.lastIndexOf(':')
    const host = normalizeAddress(colon > 0 ? entry.slice(0, colon).replace(/^\[(.*)\]$/, '$1') : '')
    const count = colon > 0 ? entry.slice(colon + 1) : ''
    if (isIP(host) === 0 || !/^\d+$/.test(count)) {
      return `'${entry}' is not an IP address and a connection count, e.g. 127.0.0.1:200 or ::1:200 (host names are not resolved)`
    }
    limits.set(host, Number(count))
  }
  return limits
}

/** The form per-IP counting keys on: an IPv4 client reached over a dual-stack socket is plain IPv4. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}

export function validateConnectionOverrides(entries: string[]): string | undefined {
  const parsed = parseConnectionOverrides(entries)
  return typeof parsed === 'string' ? parsed : undefined
}
