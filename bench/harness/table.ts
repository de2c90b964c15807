/**
 * The summary tables printed at the end: one per workload, a row per figure, a column per
 * broker, and with two brokers a last column with their ratio (first ÷ second). Below each
 * table, whether every message was accounted for.
 */
import { FIGURES, type WorkloadGroup, formatFigure, groupRuns, meanOf, ratioOf } from './figures.js'
import type { RunResult } from './run-result.js'
import { describeWorkload } from './workloads.js'

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')
}

/** One line per run saying whether its accounts add up. */
export function verificationLine(run: RunResult): string {
  const v = run.verification
  const where = `${run.target.label}${run.repetition > 1 ? ` (run ${run.repetition})` : ''}`
  if (v.ok) {
    return `  ✓ ${where}: ${v.acknowledged.toLocaleString('en-US')} messages acknowledged, appended and received by each of ${v.subscriptions.length} subscription(s), offsets contiguous`
  }
  return `  ✗ ${where}: ${v.problems.join('; ')}`
}

export function workloadTable(group: WorkloadGroup): string {
  const labels = [...group.byTarget.keys()]
  const compare = labels.length === 2
  const header = ['figure', ...labels, ...(compare ? [`${labels[0]} ÷ ${labels[1]}`] : [])]
  const rows: string[][] = []
  for (const figure of FIGURES) {
    const values = labels.map((label) => meanOf(group.byTarget.get(label)!, figure))
    if (values.every((v) => v === null)) continue
    const row = [`${figure.label} (${figure.unit})`, ...values.map((v) => formatFigure(v, figure.unit))]
    if (compare) {
      const ratio = ratioOf(values[0]!, values[1]!)
      row.push(ratio === null ? '—' : ratio.toFixed(2))
    }
    rows.push(row)
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const rate = group.targetRate === null ? '' : ` at ${Math.round(group.targetRate).toLocaleString('en-US')} msg/s`
  const lines = [
    `${group.workload.name}${rate}`,
    `  ${describeWorkload(group.workload)}`,
    '',
    '  ' + pad(header, widths),
    '  ' + widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((r) => '  ' + pad(r, widths)),
    '',
    ...[...group.byTarget.values()].flat().map(verificationLine),
  ]
  return lines.join('\n')
}

export function summaryTables(runs: readonly RunResult[]): string {
  return groupRuns(runs).map(workloadTable).join('\n\n') + '\n'
}
