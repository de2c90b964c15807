/**
 * Kafka's ssl.principal.mapping.rules: how a client certificate's distinguished name (RFC 2253,
 * most specific first: `CN=alice,OU=eng,O=Example,C=US`) becomes a principal name. Rules are
 * tried in order; the first whose pattern matches the whole DN wins:
 *   RULE:pattern/replacement/      the DN rewritten (Java regex replaceAll, $1 for groups)
 *   RULE:pattern/replacement/L     ... and lower-cased (U: upper-cased)
 *   DEFAULT                        the DN as it is
 * A DN that no rule matches cannot be mapped, and the connection is refused, as in Kafka.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'

interface Rule {
  readonly isDefault: boolean
  readonly pattern: RegExp | null
  readonly replacement: string
  readonly toCase: 'L' | 'U' | ''
}

// Kafka's own grammar for the rules list: commas separate rules, but a comma inside a RULE's
// pattern or replacement (DNs are full of them) belongs to the rule.
const RULE_SYNTAX = /\s*(?:(DEFAULT)|RULE:((?:\\\/|[^/])*)\/((?:\\\/|[^/])*)\/([LU]?))\s*(?:,|$)/y

export class SslPrincipalMapper {
  readonly #rules: readonly Rule[]
  readonly #text: string

  constructor(rules: string) {
    this.#text = rules
    this.#rules = parseRules(rules)
  }

  /** The principal name for `distinguishedName`; throws SAMSA_CONFIG when no rule applies. */
  name(distinguishedName: string): string {
    for (const rule of this.#rules) {
      if (rule.isDefault) return distinguishedName
      const pattern = rule.pattern!
      pattern.lastIndex = 0
      if (!pattern.test(distinguishedName)) continue
      pattern.lastIndex = 0
      const replaced = distinguishedName.replace(pattern, javaReplacement(rule.replacement))
      return rule.toCase === 'L' ? replaced.toLowerCase() : rule.toCase === 'U' ? replaced.toUpperCase() : replaced
    }
    throw new SamsaError(ErrorCodes.CONFIG, `No rule of ssl.principal.mapping.rules (${this.#text}) applies to the distinguished name ${distinguishedName}.`)
  }
}

function parseRules(text: string): Rule[] {
  const trimmed = text.trim()
  if (trimmed === '') return [{ isDefault: true, pattern: null, replacement: '', toCase: '' }]
  const rules: Rule[] = []
  RULE_SYNTAX.lastIndex = 0
  while (RULE_SYNTAX.lastIndex < trimmed.length) {
    const at = RULE_SYNTAX.lastIndex
    const match = RULE_SYNTAX.exec(trimmed)
    if (match === null || match[0] === '') {
      throw new SamsaError(
        ErrorCodes.CONFIG,
        `Invalid value for setting ssl.principal.mapping.rules at '${trimmed.slice(at)}': expected RULE:pattern/replacement/[LU] or DEFAULT, separated by commas.`,
      )
    }
    if (match[1] !== undefined) {
      rules.push({ isDefault: true, pattern: null, replacement: '', toCase: '' })
      continue
    }
    const source = match[2]!.replaceAll('\\/', '/')
    let pattern: RegExp
    try {
      // Java's matches() needs the whole DN to match; so do we.
      pattern = new RegExp(`^(?:${source})$`)
    } catch (error) {
      throw new SamsaError(ErrorCodes.CONFIG, `Invalid pattern '${source}' in ssl.principal.mapping.rules: ${(error as Error).message}.`)
    }
    rules.push({ isDefault: false, pattern, replacement: match[3]!.replaceAll('\\/', '/'), toCase: (match[4] ?? '') as Rule['toCase'] })
  }
  return rules
}

/** Java's replacement syntax ($1, \$ for a literal dollar) in JavaScript's ($1, $$). */
function javaReplacement(replacement: string): string {
  return replacement.replace(/\\\$|\$(\d)|\$/g, (token, group: string | undefined) => (group !== undefined ? `$${group}` : '$$'))
}

/**
 * The RFC 2253 form of a certificate subject as Node prints it (X509Certificate.subject: one
 * `KEY=value` per line, in certificate order, least specific first): reversed and comma-joined,
 * with commas, plus signs and the like inside values escaped, as Java's X500Principal.getName().
 */
export function distinguishedName(subject: string): string {
  return subject
    .split('\n')
    .filter((line) => line !== '')
    .reverse()
    .map((line) => {
      const eq = line.indexOf('=')
      return `${line.slice(0, eq)}=${escapeValue(line.slice(eq + 1))}`
    })
    .join(',')
}

function escapeValue(value: string): string {
  return value.replace(/[,+"\\<>;]/g, (c) => `\\${c}`).replace(/^[ #]|[ ]$/g, (c) => `\\${c}`)
}
