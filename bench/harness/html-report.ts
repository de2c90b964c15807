/**
 * The HTML report: one self-contained file (inline CSS and SVG, nothing fetched) so
 * it can be opened from disk, attached to an issue or archived with the JSON. Per workload: the
 * summary table (with ratios when two brokers ran), the accounts check, and charts of publish
 * and consume rate over time, latency by percentile (publish and end-to-end), end-to-end p99
 * over time, and CPU of broker and load generator.
 *
 * Chart elements are stable for tests and scripts: `section.workload[data-workload=<name>]`
 * holds `svg.chart[data-chart=publish-rate|consume-rate|publish-latency|end-to-end-latency|
 * latency-over-time|cpu]`.
 */
import { FIGURES, type WorkloadGroup, formatFigure, groupRuns, meanOf, ratioOf } from './figures.js'
import type { Machine } from './result-json.js'
import type { RunResult } from './run-result.js'
import { PALETTE, type Series, barChart, escapeXml, lineChart } from './svg-chart.js'
import { verificationLine } from './table.js'
import { describeWorkload } from './workloads.js'

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1340px; color: #111827; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin: 32px 0 4px; border-top: 1px solid #e5e7eb; padding-top: 20px; }
.meta, .shape { color: #4b5563; margin: 2px 0; }
table.figures { border-collapse: collapse; margin: 12px 0; font-variant-numeric: tabular-nums; }
table.figures th, table.figures td { padding: 3px 12px; border-bottom: 1px solid #e5e7eb; text-align: right; }
table.figures th:first-child, table.figures td:first-child { text-align: left; }
table.figures thead th { border-bottom: 2px solid #9ca3af; }
.check { font-family: ui-monospace, monospace; font-size: 13px; white-space: pre-wrap; margin: 4px 0; }
.check.ok { color: #047857; } .check.failed { color: #b91c1c; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(640px, 1fr)); gap: 16px; margin-top: 12px; }
svg.chart { border: 1px solid #e5e7eb; border-radius: 6px; max-width: 100%; height: auto; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #374151; }
svg.chart .chart-title { font-size: 13px; font-weight: 600; fill: #111827; }
svg.chart .axis-label { font-size: 11px; fill: #4b5563; }
svg.chart .grid { stroke: #eef0f3; } svg.chart .axis { stroke: #6b7280; }
svg.chart .bar-value { font-size: 10px; }
svg.chart .shade-label { font-size: 10px; fill: #6b7280; }
`

/**
 * The one inline script: once laid out, each chart records the size the browser gave it
 * (`data-rendered="WxH"`, with the number of series paths drawn), so a headless browser's DOM
 * dump shows the charts were rendered, not just present in the file.
 */
const RENDER_MARK =
  "document.querySelectorAll('svg.chart').forEach(function (svg) { var box = svg.getBoundingClientRect(); " +
  "svg.setAttribute('data-rendered', Math.round(box.width) + 'x' + Math.round(box.height)); " +
  "svg.setAttribute('data-drawn-series', String(svg.querySelectorAll('path.series, rect.bar').length)) })"

function figuresTable(group: WorkloadGroup): string {
  const labels = [...group.byTarget.keys()]
  const compare = labels.length === 2
  let html = '<table class="figures"><thead><tr><th>figure</th>'
  for (const label of labels) html += `<th>${escapeXml(label)}</th>`
  if (compare) html += `<th>${escapeXml(`${labels[0]} ÷ ${labels[1]}`)}</th>`
  html += '</tr></thead><tbody>'
  for (const figure of FIGURES) {
    const values = labels.map((label) => meanOf(group.byTarget.get(label)!, figure))
    if (values.every((v) => v === null)) continue
    html += `<tr data-figure="${figure.key}"><td>${escapeXml(figure.label)} (${escapeXml(figure.unit)})</td>`
    for (const v of values) html += `<td>${formatFigure(v, figure.unit)}</td>`
    if (compare) {
      const ratio = ratioOf(values[0]!, values[1]!)
      html += `<td>${ratio === null ? '—' : ratio.toFixed(2)}</td>`
    }
    html += '</tr>'
  }
  return html + '</tbody></table>'
}

/** Series per run: one color per broker, dashed for repetitions after the first. */
function seriesOf(group: WorkloadGroup, points: (run: RunResult) => ReadonlyArray<readonly [number, number]>): Series[] {
  const series: Series[] = []
  ;[...group.byTarget.values()].forEach((runs, t) => {
    for (const run of runs) {
      const name = runs.length > 1 ? `${run.target.label} #${run.repetition}` : run.target.label
      series.push({ name, color: PALETTE[t % PALETTE.length]!, points: points(run), dashed: run.repetition > 1 })
    }
  })
  return series
}

function charts(group: WorkloadGroup): string {
  const over = (pick: (i: RunResult['intervals'][number]) => number | null) => (run: RunResult) =>
    run.intervals.flatMap((i) => {
      const y = pick(i)
      return y === null ? [] : [[i.t, y] as const]
    })
  const cpuGroups = [
    { label: 'broker', pick: (r: RunResult) => r.broker?.cores ?? null },
    { label: 'load generator', pick: (r: RunResult) => r.harness.cores },
    { label: 'everything else', pick: (r: RunResult) => r.otherProcessesCores },
  ].map(({ label, pick }) => ({
    label,
    bars: [...group.byTarget.entries()].flatMap(([name, runs], t) => {
      const values = runs.map(pick).filter((v): v is number => v !== null)
      return values.length === 0 ? [] : [{ name, value: values.reduce((a, b) => a + b, 0) / values.length, color: PALETTE[t % PALETTE.length]! }]
    }),
  }))
  const warmup = group.workload.warmupSeconds > 0 ? { x: group.workload.warmupSeconds, label: 'warm-up' } : undefined
  const timeAxis = { xLabel: 'seconds since the producers started', ...(warmup !== undefined && { shadeUntil: warmup }) }
  return [
    lineChart({ key: 'publish-rate', title: 'Publish rate (msg/s, acknowledged)', ...timeAxis, yLabel: 'msg/s', series: seriesOf(group, over((i) => i.publishRate)) }),
    lineChart({ key: 'consume-rate', title: 'Consume rate (msg/s)', ...timeAxis, yLabel: 'msg/s', series: seriesOf(group, over((i) => i.consumeRate)) }),
    lineChart({ key: 'publish-latency', title: 'Publish latency by percentile (ms)', xLabel: 'percentile', yLabel: 'ms', xAxis: 'percentile', series: seriesOf(group, (r) => r.publishLatencySpectrum) }),
    lineChart({ key: 'end-to-end-latency', title: 'End-to-end latency by percentile (ms)', xLabel: 'percentile', yLabel: 'ms', xAxis: 'percentile', series: seriesOf(group, (r) => r.endToEndLatencySpectrum) }),
    lineChart({ key: 'latency-over-time', title: 'End-to-end latency p99 per second (ms)', ...timeAxis, yLabel: 'ms', series: seriesOf(group, over((i) => i.endToEndLatencyP99)) }),
    barChart('cpu', 'CPU used while measuring (cores)', 'cores', cpuGroups),
  ].join('\n')
}

function section(group: WorkloadGroup): string {
  const runs = [...group.byTarget.values()].flat()
  const rate = group.targetRate === null ? '' : ` at ${Math.round(group.targetRate).toLocaleString('en-US')} msg/s`
  const checks = runs.map((r) => `<p class="check ${r.verification.ok ? 'ok' : 'failed'}">${escapeXml(verificationLine(r).trim())}</p>`).join('')
  return (
    `<section class="workload" data-workload="${escapeXml(group.workload.name)}">` +
    `<h2>${escapeXml(group.workload.name + rate)}</h2>` +
    `<p class="shape">${escapeXml(group.workload.description)}</p>` +
    `<p class="shape">${escapeXml(describeWorkload(group.workload))}</p>` +
    figuresTable(group) +
    checks +
    `<div class="charts">${charts(group)}</div>` +
    '</section>'
  )
}

export function htmlReport(runs: readonly RunResult[], info: { readonly command: string; readonly startedAt: string; readonly machine: Machine }): string {
  const m = info.machine
  const brokers = [...new Set(runs.map((r) => r.target.label))]
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Samsa benchmark report</title><meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body>
<h1>Samsa benchmark report</h1>
<p class="meta">${escapeXml(info.startedAt)} · ${escapeXml(m.cpuModel)}, ${m.cores} cores, load average ${m.loadAverage.join(' / ')} at start · Node ${escapeXml(m.node)}</p>
<p class="meta">Brokers: ${brokers.map(escapeXml).join(', ')} · command: <code>${escapeXml(info.command)}</code></p>
<p class="meta">Rates count the measured window (after warm-up); latencies are HdrHistogram percentiles, fixed-rate runs measured from each message's intended send time. Ratios are first broker ÷ second broker.</p>
${groupRuns(runs).map(section).join('\n')}
<script>${RENDER_MARK}</script>
</body></html>
`
}
