/**
 * Kafka's JAAS configuration text, as `sasl.jaas.config` and
 * `listener.name.<listener>.<mechanism>.sasl.jaas.config` carry it:
 *
 *   org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" username="admin";
 *
 * One or more entries `<login module class> <flag> <key=value>* ;`. Values are quoted strings
 * (with backslash escapes, as Java's StreamTokenizer reads them in Kafka's JaasConfig) or bare
 * words; the flag is required, requisite, sufficient or optional. Anything else is an error
 * that names the setting and the position, so a typo stops the start instead of silently
 * leaving a user out.
 */
import { ErrorCodes, SamsaError } from '../../common/errors.js'

export interface JaasLoginModule {
  readonly loginModule: string
  readonly flag: 'required' | 'requisite' | 'sufficient' | 'optional'
  readonly options: ReadonlyMap<string, string>
}

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional'])

export function parseJaasConfig(text: string, settingName: string): JaasLoginModule[] {
  const tokens = tokenize(text, settingName)
  const modules: JaasLoginModule[] = []
  let i = 0
  const fail = (why: string): never => {
    throw new SamsaError(ErrorCodes.CONFIG, `${settingName}: ${why}. Expected '<LoginModule class> required key="value" ... ;'.`)
  }
  while (i < tokens.length) {
    const loginModule = tokens[i++]!
    if (loginModule.kind !== 'word') fail(`expected a login module class name, found ${describe(loginModule)}`)
    const flag = tokens[i++]
    if (flag === undefined || flag.kind !== 'word' || !FLAGS.has(flag.text)) {
      fail(`expected a control flag (required, requisite, sufficient, optional) after ${loginModule.text}, found ${flag === undefined ? 'the end' : describe(flag)}`)
    }
    const options = new Map<string, string>()
    for (;;) {
      const token = tokens[i++]
      if (token === undefined) fail(`the entry for ${loginModule.text} does not end with ';'`)
      if (token!.kind === ';') break
      if (token!.kind !== 'word') fail(`expected an option name, found ${describe(token!)}`)
      if (tokens[i]?.kind !== '=') fail(`option ${token!.text} has no '=value'`)
      const value = tokens[i + 1]
      if (value === undefined || (value.kind !== 'word' && value.kind !== 'string')) fail(`option ${token!.text} has no value`)
      options.set(token!.text, value!.text)
      i += 2
    }
    modules.push({ loginModule: loginModule.text, flag: flag!.text as JaasLoginModule['flag'], options })
  }
  if (modules.length === 0) fail('no login module is configured')
  return modules
}

interface Token {
  readonly kind: 'word' | 'string' | '=' | ';'
  readonly text: string
}

function describe(token: Token): string {
  return token.kind === 'string' ? `"${token.text}"` : `'${token.text}'`
}

function tokenize(text: string, settingName: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (/\s/.test(c)) {
      i++
    } else if (c === '=' || c === ';') {
      tokens.push({ kind: c, text: c })
      i++
    } else if (c === '"' || c === "'") {
      let value = ''
      i++
      for (;;) {
        if (i >= text.length) throw new SamsaError(ErrorCodes.CONFIG, `${settingName}: a quoted value is not closed.`)
        const d = text[i++]!
        if (d === c) break
        if (d === '\\' && i < text.length) {
          const e = text[i++]!
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e
        } else {
          value += d
        }
      }
      tokens.push({ kind: 'string', text: value })
    } else {
      const start = i
      while (i < text.length && !/[\s=;"']/.test(text[i]!)) i++
      tokens.push({ kind: 'word', text: text.slice(start, i) })
    }
  }
  return tokens
}
