/**
 * Small SVG charts, generated as text for the self-contained HTML report: line charts (rates
 * over time; latency by percentile on HdrHistogram's usual axis, where 90%, 99%, 99.9% ... are
 * evenly spaced) and grouped bar charts (CPU). No script, no external file: the report opens
 * anywhere, offline. Every chart is `<svg class="chart" data-chart="<key>">` and every series a
 * `<path class="series" data-series="<name>">` (bars: `<rect class="bar">`), so tests and
 * people can find them.
 */

export interface Series {
  readonly name: string
  readonly color: string
  readonly points: ReadonlyArray<readonly [number, number]>
  readonly dashed?: boolean
}

export interface LineChartSpec {
  readonly key: string
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: readonly Series[]
  /** `percentile`: x values are percentiles (0-100), drawn on a log scale of 1/(1 - p). */
  readonly xAxis?: 'linear' | 'percentile'
  /** Linear x only: shade the plot up to this x and label it (the warm-up). */
  readonly shadeUntil?: { readonly x: number; readonly label: string }
}

export interface BarGroup {
  readonly label: string
  readonly bars: ReadonlyArray<{ readonly name: string; readonly value: number; readonly color: string }>
}

const WIDTH = 640
const HEIGHT = 300
const MARGIN = { left: 64, right: 16, top: 32, bottom: 64 }
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom
/** The percentile axis stops here: beyond it, runs of this length have too few samples. */
const MAX_PERCENTILE = 99.999

export const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777'] as const

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** 1, 2, 5 × 10^k steps covering [0, max] in about `count` ticks. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1]
  const rough = max / count
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude
  const ticks: number[] = []
  for (let v = 0; v <= max + step * 0.001; v += step) ticks.push(Number(v.toPrecision(12)))
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)))
  return ticks
}

/** 1234567 → 1.23M, 0.0123 → 0.0123. */
export function shortNumber(value: number): string {
  const abs = Math.abs(value)
  if (abs >= 1e9) return `${trim(value / 1e9)}G`
  if (abs >= 1e6) return `${trim(value / 1e6)}M`
  if (abs >= 1e4) return `${trim(value / 1e3)}k`
  if (abs >= 100) return String(Math.round(value))
  return trim(value)
}

function trim(value: number): string {
  return String(Number(value.toPrecision(3)))
}

const percentileX = (p: number): number => Math.log10(1 / (1 - Math.min(p, MAX_PERCENTILE) / 100))

function frame(key: string, title: string, body: string): string {
  return (
    `<svg class="chart" data-chart="${escapeXml(key)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeXml(title)}">` +
    `<title>${escapeXml(title)}</title>` +
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>` +
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" class="chart-title">${escapeXml(title)}</text>` +
    body +
    '</svg>'
  )
}

function legend(items: ReadonlyArray<{ name: string; color: string; dashed?: boolean }>): string {
  let x = MARGIN.left
  const y = HEIGHT - 12
  let out = '<g class="legend">'
  for (const item of items) {
    out += `<line x1="${x}" y1="${y - 4}" x2="${x + 18}" y2="${y - 4}" stroke="${item.color}" stroke-width="3"${item.dashed === true ? ' stroke-dasharray="5 3"' : ''}/>`
    out += `<text x="${x + 22}" y="${y}">${escapeXml(item.name)}</text>`
    x += 30 + item.name.length * 6.5
  }
  return out + '</g>'
}

export function lineChart(spec: LineChartSpec): string {
  const percentile = spec.xAxis === 'percentile'
  const tx = (x: number): number => (percentile ? percentileX(x) : x)
  const all = spec.series.flatMap((s) => s.points.filter(([x]) => !percentile || x <= MAX_PERCENTILE))
  if (all.length === 0) return frame(spec.key, spec.title, `<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" class="empty">no data</text>`)
  const xMin = percentile ? 0 : Math.min(0, ...all.map(([x]) => x))
  const xMax = percentile ? Math.max(percentileX(99.9), ...all.map(([x]) => tx(x))) : Math.max(...all.map(([x]) => x))
  const yTicks = niceTicks(Math.max(...all.map(([, y]) => y)))
  const yMax = yTicks[yTicks.length - 1]!
  const px = (x: number): number => MARGIN.left + ((tx(x) - xMin) / (xMax - xMin || 1)) * PLOT_W
  const py = (y: number): number => MARGIN.top + PLOT_H - (y / yMax) * PLOT_H
  let body = '<g class="axes">'
  const shade = spec.shadeUntil
  if (!percentile && shade !== undefined && shade.x > xMin) {
    const right = Math.min(px(shade.x), MARGIN.left + PLOT_W)
    body += `<rect class="shade" x="${MARGIN.left}" y="${MARGIN.top}" width="${(right - MARGIN.left).toFixed(1)}" height="${PLOT_H}" fill="#f3f4f6"/>`
    body += `<text x="${((MARGIN.left + right) / 2).toFixed(1)}" y="${MARGIN.top + 12}" text-anchor="middle" class="shade-label">${escapeXml(shade.label)}</text>`
  }
  for (const tick of yTicks) {
    const y = py(tick).toFixed(1)
    body += `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + PLOT_W}" y2="${y}" class="grid"/>`
    body += `<text x="${MARGIN.left - 6}" y="${y}" dy="4" text-anchor="end">${shortNumber(tick)}</text>`
  }
  const xTicks = percentile ? [0, 90, 99, 99.9, 99.99, 99.999].filter((p) => percentileX(p) <= xMax + 1e-9) : niceTicks(xMax).filter((t) => t >= xMin)
  for (const tick of xTicks) {
    const x = px(tick).toFixed(1)
    body += `<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + PLOT_H}" class="grid"/>`
    body += `<text x="${x}" y="${MARGIN.top + PLOT_H + 16}" text-anchor="middle">${percentile ? `${tick}%` : shortNumber(tick)}</text>`
  }
  body += `<line x1="${MARGIN.left}" y1="${MARGIN.top + PLOT_H}" x2="${MARGIN.left + PLOT_W}" y2="${MARGIN.top + PLOT_H}" class="axis"/>`
  body += `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + PLOT_H}" class="axis"/>`
  body += `<text x="${MARGIN.left + PLOT_W / 2}" y="${MARGIN.top + PLOT_H + 34}" text-anchor="middle" class="axis-label">${escapeXml(spec.xLabel)}</text>`
  body += `<text transform="translate(14 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeXml(spec.yLabel)}</text>`
  body += '</g>'
  for (const s of spec.series) {
    const points = s.points.filter(([x]) => !percentile || x <= MAX_PERCENTILE)
    if (points.length === 0) continue
    const d = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')
    body += `<path class="series" data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="5 3"' : ''}><title>${escapeXml(s.name)}</title></path>`
    for (const [x, y] of points.length <= 40 ? points : []) {
      body += `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${s.color}"><title>${escapeXml(`${s.name}: ${percentile ? `p${x}` : shortNumber(x)} → ${shortNumber(y)}`)}</title></circle>`
    }
  }
  body += legend(spec.series)
  return frame(spec.key, spec.title, body)
}

export function barChart(key: string, title: string, yLabel: string, groups: readonly BarGroup[]): string {
  const values = groups.flatMap((g) => g.bars.map((b) => b.value))
  if (values.length === 0) return frame(key, title, `<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" class="empty">no data</text>`)
  const yTicks = niceTicks(Math.max(...values))
  const yMax = yTicks[yTicks.length - 1]!
  const py = (y: number): number => MARGIN.top + PLOT_H - (y / yMax) * PLOT_H
  let body = '<g class="axes">'
  for (const tick of yTicks) {
    const y = py(tick).toFixed(1)
    body += `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + PLOT_W}" y2="${y}" class="grid"/>`
    body += `<text x="${MARGIN.left - 6}" y="${y}" dy="4" text-anchor="end">${shortNumber(tick)}</text>`
  }
  body += `<text transform="translate(14 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeXml(yLabel)}</text></g>`
  const groupWidth = PLOT_W / groups.length
  groups.forEach((group, g) => {
    const barWidth = Math.min(48, (groupWidth * 0.8) / Math.max(1, group.bars.length))
    const start = MARGIN.left + g * groupWidth + (groupWidth - barWidth * group.bars.length) / 2
    group.bars.forEach((bar, b) => {
      const x = start + b * barWidth
      const y = py(bar.value)
      body += `<rect class="bar" data-series="${escapeXml(bar.name)}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth - 4).toFixed(1)}" height="${(MARGIN.top + PLOT_H - y).toFixed(1)}" fill="${bar.color}"><title>${escapeXml(`${group.label}, ${bar.name}: ${shortNumber(bar.value)}`)}</title></rect>`
      body += `<text x="${(x + (barWidth - 4) / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" class="bar-value">${shortNumber(bar.value)}</text>`
    })
    body += `<text x="${(MARGIN.left + g * groupWidth + groupWidth / 2).toFixed(1)}" y="${MARGIN.top + PLOT_H + 16}" text-anchor="middle">${escapeXml(group.label)}</text>`
  })
  const names = [...new Map(groups.flatMap((g) => g.bars.map((b) => [b.name, b.color] as const))).entries()].map(([name, color]) => ({ name, color }))
  body += legend(names)
  return frame(key, title, body)
}
