/**
 * The Prometheus text exposition format, version 0.0.4: what GET /metrics answers.
 *
 *   # HELP <name> <text, with \ and newline escaped>
 *   # TYPE <name> counter|gauge|histogram
 *   <name>{<label>="<value, with \, " and newline escaped>",...} <value>
 *
 * Every sample of a family must follow its HELP and TYPE lines without another family in
 * between, yet the collectors walk the partitions once and feed a dozen families on the way. So
 * each family keeps its own text, appended sample by sample, and the exposition joins the
 * families at the end: one pass over the broker's state, no sample objects, a few long strings
 * (V8 appends to them without copying). Label sets are rendered once by the caller (`labels`) and
 * reused across families.
 *
 * Counters end in _total (the caller names them so); a histogram is written as cumulative
 * <name>_bucket{le="..."} lines ending with le="+Inf", then <name>_sum and <name>_count.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export type MetricType = 'counter' | 'gauge' | 'histogram'

/** A label set rendered without its braces, e.g. `topic="orders",partition="0"`; '' for none. */
export type LabelSet = string

/** Renders label pairs (names must be valid Prometheus label names; values are escaped). */
export function labels(pairs: Readonly<Record<string, string | number>>): LabelSet {
  let out = ''
  for (const name in pairs) {
    const value = pairs[name]!
    out += `${out === '' ? '' : ','}${name}="${typeof value === 'number' ? String(value) : escapeLabelValue(value)}"`
  }
  return out
}

/** Backslash, double quote and line feed are the three characters a label value must escape. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : value
}

/** HELP text escapes backslash and line feed only. */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'))
}

/** A sample value as Prometheus reads it (Go's ParseFloat, plus +Inf, -Inf and NaN). */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value)
  return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf'
}

/** One metric family: its header and the samples added so far. */
export class MetricFamily {
  readonly name: string
  readonly type: MetricType
  readonly help: string
  #samples = ''

  constructor(name: string, type: MetricType, help: string) {
    this.name = name
    this.type = type
    this.help = help
  }

  /** Adds a sample of the family's own name. */
  add(labelSet: LabelSet, value: number): this {
    this.#samples += labelSet === '' ? `${this.name} ${formatValue(value)}\n` : `${this.name}{${labelSet}} ${formatValue(value)}\n`
    return this
  }

  /**
   * Adds one histogram: `bucketCounts` holds the count per bucket, not cumulative, one more
   * than `upperBounds` (the last is above every bound); `sum` is the sum of observed values.
   */
  addHistogram(labelSet: LabelSet, upperBounds: readonly number[], bucketCounts: ArrayLike<number>, sum: number): this {
    const prefix = labelSet === '' ? '' : `${labelSet},`
    let cumulative = 0
    for (let i = 0; i < upperBounds.length; i++) {
      cumulative += bucketCounts[i]!
      this.#samples += `${this.name}_bucket{${prefix}le="${formatValue(upperBounds[i]!)}"} ${cumulative}\n`
    }
    cumulative += bucketCounts[upperBounds.length]!
    this.#samples += `${this.name}_bucket{${prefix}le="+Inf"} ${cumulative}\n`
    const braces = labelSet === '' ? '' : `{${labelSet}}`
    this.#samples += `${this.name}_sum${braces} ${formatValue(sum)}\n${this.name}_count${braces} ${cumulative}\n`
    return this
  }

  get isEmpty(): boolean {
    return this.#samples === ''
  }

  /** The family's text: HELP, TYPE, samples. */
  toString(): string {
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n${this.#samples}`
  }
}

/** The families of one scrape, in the order they were declared. */
export class Exposition {
  readonly #families: MetricFamily[] = []
  readonly #names = new Set<string>()

  /** Declares a family; each name once per exposition. */
  family(name: string, type: MetricType, help: string): MetricFamily {
    if (this.#names.has(name)) throw new Error(`metric family ${name} declared twice`)
    this.#names.add(name)
    const family = new MetricFamily(name, type, help)
    this.#families.push(family)
    return family
  }

  /** The exposition text; families without samples are left out. */
  toString(): string {
    let text = ''
    for (const family of this.#families) if (!family.isEmpty) text += family.toString()
    return text
  }
}
