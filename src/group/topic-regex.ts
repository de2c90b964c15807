/**
 * KIP-848 regex subscriptions (subscribedTopicRegex): Kafka matches topic names against the
 * pattern with RE2/J, whole name only (`matcher(topic).matches()`). We run JavaScript's RegExp
 * on the part of RE2/J's syntax the two engines read alike, and refuse the rest rather than
 * match differently:
 *
 * - accepted as is: literals, `.`, classes `[...]` (with ranges and negation), `\d \D \w \W \s
 *   \S \b \B`, escaped punctuation, anchors `^ $`, groups `( )`, `(?: )`, alternation, the
 *   quantifiers `* + ? {n} {n,} {n,m}` and their lazy forms;
 * - translated: `(?P<name>` and `(?<name>` (named groups), `\A` and `\z` (text anchors), the
 *   leading flag group `(?i)` (case-insensitive, the only RE2 flag that applies to names);
 * - refused with INVALID_REGULAR_EXPRESSION: what RE2/J rejects (backreferences `\1`,
 *   lookaround `(?=`, `(?!`, `(?<=`, `(?<!`, possessive quantifiers) and what we do not
 *   translate (other flags, `\Q...\E`, `\p{...}`, POSIX classes `[[:alpha:]]`, octal escapes).
 *
 * No RegExp ever sees a pattern this module has not read token by token, and RE2 semantics
 * never backtrack catastrophically: the accepted subset has no backreferences or lookaround, and
 * topic names are at most 249 characters, so a match is bounded.
 */

export class InvalidTopicRegexError extends Error {}

/** Translates an RE2/J pattern into a RegExp that matches whole topic names; throws InvalidTopicRegexError. */
export function compileTopicRegex(pattern: string): RegExp {
  let source = pattern
  let flags = ''
  if (source.startsWith('(?i)')) {
    flags = 'i'
    source = source.slice(4)
  }
  let out = ''
  let inClass = false
  let depth = 0
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!
    if (c === '\\') {
      const next = source[i + 1]
      if (next === undefined) throw invalid(pattern, 'trailing backslash')
      i++
      if (/[0-9]/.test(next)) throw invalid(pattern, `backreferences and octal escapes (\\${next}) are not supported`)
      if (next === 'A' && !inClass) out += '^'
      else if (next === 'z' && !inClass) out += '$'
      else if ('dDwWsS'.includes(next) || (!inClass && 'bB'.includes(next))) out += `\\${next}`
      else if ('tnrf'.includes(next)) out += `\\${next}`
      else if (/[A-Za-z]/.test(next)) throw invalid(pattern, `the escape \\${next} is not supported`)
      else out += `\\${next}`
      continue
    }
    if (inClass) {
      if (c === '[' && source[i + 1] === ':') throw invalid(pattern, 'POSIX classes such as [[:alpha:]] are not supported')
      if (c === ']') inClass = false
      out += c
      continue
    }
    switch (c) {
      case '[':
        inClass = true
        out += c
        if (source[i + 1] === '^') out += source[++i]
        if (source[i + 1] === ']') out += `\\${source[++i]}`
        break
      case '(':
        if (source[i + 1] === '?') {
          const rest = source.slice(i + 2)
          if (rest.startsWith(':')) {
            out += '(?:'
            i += 2
          } else if (rest.startsWith('P<') || (rest.startsWith('<') && !rest.startsWith('<=') && !rest.startsWith('<!'))) {
            const start = i + 2 + (rest.startsWith('P') ? 2 : 1)
            const end = source.indexOf('>', start)
            const name = end === -1 ? '' : source.slice(start, end)
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw invalid(pattern, 'a named group needs a name of letters, digits and _')
            out += `(?<${name}>`
            i = end
          } else {
            throw invalid(pattern, 'lookaround and inline flags other than a leading (?i) are not supported')
          }
        } else {
          out += '('
        }
        depth++
        break
      case ')':
        if (depth === 0) throw invalid(pattern, 'unmatched )')
        depth--
        out += c
        break
      case '*':
      case '+':
      case '?':
      case '}':
        if (source[i + 1] === '+') throw invalid(pattern, 'possessive quantifiers are not supported')
        out += c
        break
      default:
        out += c
    }
  }
  if (inClass) throw invalid(pattern, 'missing closing ]')
  if (depth !== 0) throw invalid(pattern, 'missing closing )')
  try {
    return new RegExp(`^(?:${out})$`, flags)
  } catch (error) {
    throw invalid(pattern, (error as Error).message.replace(/^Invalid regular expression: /, ''))
  }
}

function invalid(pattern: string, why: string): InvalidTopicRegexError {
  return new InvalidTopicRegexError(`SubscribedTopicRegex \`${pattern}\` is not a valid regular expression: ${why}.`)
}
