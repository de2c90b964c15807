/**
 * Reads Java .properties text (the format of Kafka's server.properties): `key=value` or
 * `key: value` or `key value`, `#` and `!` comments, backslash line continuations and escapes.
 * Returns the entries in file order with their line numbers so errors can point at them.
 */
export interface PropertyEntry {
  readonly key: string
  readonly value: string
  readonly line: number
}

export function parseProperties(text: string): PropertyEntry[] {
  const entries: PropertyEntry[] = []
  const lines = text.split(/\r\n|\r|\n/)
  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1
    let logical = lines[i]!.replace(/^[ \t\f]+/, '')
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue
    // An odd number of trailing backslashes continues the entry on the next line.
    while (endsWithContinuation(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '')
    }
    const sep = findSeparator(logical)
    const rawKey = sep === -1 ? logical : logical.slice(0, sep)
    let rest = sep === -1 ? '' : logical.slice(sep)
    rest = rest.replace(/^[ \t\f]*[=:]?[ \t\f]*/, '')
    entries.push({ key: unescape(rawKey), value: unescape(rest), line: startLine })
  }
  return entries
}

function endsWithContinuation(line: string): boolean {
  let slashes = 0
  for (let j = line.length - 1; j >= 0 && line[j] === '\\'; j--) slashes++
  return slashes % 2 === 1
}

function findSeparator(line: string): number {
  for (let j = 0; j < line.length; j++) {
    const c = line[j]
    if (c === '\\') {
      j++
      continue
    }
    if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') return j
  }
  return -1
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, esc: string) => {
    if (esc.length === 5) return String.fromCharCode(parseInt(esc.slice(1), 16))
    switch (esc) {
      case 't': return '\t'
      case 'n': return '\n'
      case 'r': return '\r'
      case 'f': return '\f'
      default: return esc
    }
  })
}
