// A live line chart in SVG: a rolling window of samples per series, redrawn on each push.
import { h, svg } from './dom.js'

const WIDTH = 600
const HEIGHT = 190
const PAD = { left: 56, right: 10, top: 12, bottom: 22 }

/**
 * lineChart({ title, series: [{ name, color }], format(value) → text, windowSeconds, minTop })
 * (minTop: the y axis's least top, so an idle chart has round ticks)
 * returns { element, push(timeMs, values[]) }.
 */
export function lineChart({ title, series, format, windowSeconds = 120, id, minTop = 4 }) {
  const samples = series.map(() => [])
  const now = h('span.now', '–')
  const plot = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': title, 'data-chart': id ?? title })
  const element = h(
    'div.panel.chart',
    h('div', { style: 'display:flex;justify-content:space-between;align-items:baseline' }, h('h2', title), now),
    plot,
    h('div.legend', series.map((s) => h('span', h('i', { style: `background:${s.color}` }), s.name))),
  )

  function draw() {
    const latest = Math.max(...samples.map((s) => (s.length > 0 ? s[s.length - 1][0] : 0)))
    const earliest = Math.min(...samples.map((s) => (s.length > 0 ? s[0][0] : latest)))
    // A fresh chart spans what it has (at least 30 s), so the first samples are not a sliver at
    // the right edge; it grows to the full window and then scrolls.
    const spanMs = Math.min(windowSeconds * 1000, Math.max(30_000, latest - earliest))
    const start = latest - spanMs
    let max = 0
    for (const s of samples) for (const [, v] of s) if (v > max) max = v
    const top = niceCeiling(Math.max(max, minTop))
    const x = (t) => PAD.left + ((t - start) / spanMs) * (WIDTH - PAD.left - PAD.right)
    const y = (v) => HEIGHT - PAD.bottom - (v / top) * (HEIGHT - PAD.top - PAD.bottom)
    plot.replaceChildren()
    for (let i = 0; i <= 4; i++) {
      const v = (top / 4) * i
      plot.append(
        svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v), stroke: '#e8eaee', 'stroke-width': 1, 'vector-effect': 'non-scaling-stroke' }),
        svg('text', { x: PAD.left - 8, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#8a93a6' }, document.createTextNode(format(v))),
      )
    }
    plot.append(svg('text', { x: PAD.left, y: HEIGHT - 4, 'font-size': 11, fill: '#8a93a6' }, document.createTextNode(spanMs >= 60_000 ? `${Math.round(spanMs / 60_000)} min ago` : `${Math.round(spanMs / 1000)} s ago`)))
    plot.append(svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 4, 'text-anchor': 'end', 'font-size': 11, fill: '#8a93a6' }, document.createTextNode('now')))
    let drawn = 0
    samples.forEach((s, i) => {
      const visible = s.filter(([t]) => t >= start)
      if (visible.length < 2) return
      drawn++
      const d = visible.map(([t, v], j) => `${j === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('')
      plot.append(svg('path', { d, fill: 'none', stroke: series[i].color, 'stroke-width': 2, 'vector-effect': 'non-scaling-stroke', 'stroke-linejoin': 'round' }))
    })
    plot.setAttribute('data-drawn-series', String(drawn))
  }

  return {
    element,
    push(timeMs, values) {
      values.forEach((v, i) => {
        if (v === null || v === undefined || Number.isNaN(v)) return
        samples[i].push([timeMs, v])
        while (samples[i].length > 0 && samples[i][0][0] < timeMs - windowSeconds * 1000 - 5000) samples[i].shift()
      })
      const first = values.find((v) => v !== null && v !== undefined && !Number.isNaN(v))
      now.textContent = first === undefined ? '–' : format(first)
      draw()
    },
  }
}

function niceCeiling(value) {
  if (value <= 0) return 1
  const magnitude = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * magnitude) return step * magnitude
  return 10 * magnitude
}
