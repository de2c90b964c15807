// Record keys and values as the console shows them: bytes from base64, then as text, as
// pretty-printed JSON when they parse as JSON, or as a hex dump.

export function fromBase64(text) {
  if (text === null || text === undefined) return null
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

export function toBase64(text) {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/** The bytes as UTF-8 text, or null when they are not valid UTF-8. */
export function asText(bytes) {
  if (bytes === null) return null
  try {
    return decoder.decode(bytes)
  } catch {
    return null
  }
}

/** The bytes as indented JSON, or null when they are not a JSON document. */
export function asJson(bytes) {
  const text = asText(bytes)
  if (text === null) return null
  const trimmed = text.trim()
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return null
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2)
  } catch {
    return null
  }
}

/** A hex dump: offset, 16 bytes in hex, and their printable characters. */
export function asHex(bytes) {
  if (bytes === null) return ''
  const lines = []
  for (let i = 0; i < bytes.length; i += 16) {
    const chunk = bytes.subarray(i, i + 16)
    const hex = [...chunk].map((b) => b.toString(16).padStart(2, '0')).join(' ')
    const printable = [...chunk].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('')
    lines.push(`${i.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${printable}`)
  }
  return lines.join('\n')
}

/** The best first view of a value: JSON if it is JSON, text if it is text, else hex. */
export function bestFormat(bytes) {
  if (asJson(bytes) !== null) return 'json'
  if (asText(bytes) !== null) return 'text'
  return 'hex'
}

/** One line for a table cell. */
export function preview(bytes, max = 120) {
  if (bytes === null) return null
  const text = asText(bytes)
  const line = text === null ? asHex(bytes.subarray(0, 24)).split('\n')[0].slice(10, 60) + (bytes.length > 24 ? ' …' : '') : text.replace(/\s+/g, ' ')
  return line.length > max ? line.slice(0, max) + '…' : line
}
