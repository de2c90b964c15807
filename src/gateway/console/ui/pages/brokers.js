// Brokers: the cluster's health counts, each broker (address, rack, controller, partitions led)
// and live charts of throughput and request latency. The charts read /metrics when the broker
// serves it; without it, throughput comes from the topics' end offsets and sizes, and latency
// is not shown.
import { api } from '../lib/api.js'
import { lineChart } from '../lib/chart.js'
import { badge, errorBox, formatBytes, formatNumber, formatRate, h, table } from '../lib/dom.js'
import { readMetrics } from '../lib/metrics.js'
import { poll } from '../lib/poll.js'

export function brokersPage(view) {
  const stats = h('div.stats')
  const errorSlot = h('div')
  const brokers = h('div.panel.flush', h('p.empty', 'Loading brokers…'))
  const messages = lineChart({ id: 'messages-in', title: 'Messages in/s', series: [{ name: 'messages in', color: '#2f6fed' }], format: (v) => formatRate(v, '') })
  const bytes = lineChart({ id: 'bytes-in', title: 'Bytes in/s', series: [{ name: 'bytes in', color: '#1a7f4b' }], format: (v) => `${formatBytes(v)}/s`, minTop: 4096 })
  const latency = lineChart({
    id: 'latency',
    title: 'Request time, this broker (mean, ms)',
    // Kafka's TotalTimeMs: a consumer's fetch includes the time it waited for new records.
    series: [{ name: 'Produce', color: '#c05621' }, { name: 'Fetch (consumer, with its wait)', color: '#6b46c1' }],
    format: (v) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`,
  })
  const latencyNote = h('p.muted', { style: 'margin:0 0 18px' })
  latency.element.hidden = true
  view.append(
    h('div.page-head', h('h1', 'Brokers')),
    errorSlot, stats, brokers,
    h('div.charts', messages.element, bytes.element, latency.element),
    latencyNote,
  )

  async function refreshCluster() {
    try {
      const c = await api.cluster()
      errorSlot.replaceChildren()
      stats.replaceChildren(
        stat('Brokers', formatNumber(c.brokers.length)),
        stat('Controller', c.controllerId === -1 ? 'none' : `broker ${c.controllerId}`),
        stat('Topics', formatNumber(c.topics)),
        stat('Partitions', formatNumber(c.partitions)),
        stat('Under-replicated', formatNumber(c.underReplicatedPartitions), c.underReplicatedPartitions > 0 ? 'bad' : 'ok'),
        stat('Offline', formatNumber(c.offlinePartitions), c.offlinePartitions > 0 ? 'bad' : 'ok'),
      )
      brokers.replaceChildren(
        table(
          [
            { label: 'Id', num: true, value: (b) => b.id },
            { label: 'Address', value: (b) => h('span.mono', `${b.host}:${b.port}`) },
            { label: 'Rack', value: (b) => b.rack ?? h('span.muted', '–') },
            { label: 'Role', value: (b) => [b.controller ? badge('controller', 'info') : null, b.id === c.nodeId ? [' ', badge('serving this console')] : null] },
            { label: 'Partitions led', num: true, value: (b) => formatNumber(b.partitionsLed) },
            { label: 'Replicas held', num: true, value: (b) => formatNumber(b.replicas) },
          ],
          c.brokers,
          { empty: 'No live brokers.', testId: 'brokers' },
        ),
      )
    } catch (error) {
      errorSlot.replaceChildren(errorBox(error))
    }
  }

  let previous = null
  async function sample() {
    const at = Date.now()
    const text = await api.metrics()
    let current
    if (text !== null) {
      const m = readMetrics(text)
      current = { at, messages: m.messagesIn, bytes: m.bytesIn, requestTime: m.requestTime }
      latencyNote.textContent = ''
      latency.element.hidden = false
    } else {
      const { topics } = await api.topics().catch(() => ({ topics: [] }))
      const user = topics.filter((t) => !t.internal)
      current = { at, messages: user.reduce((s, t) => s + t.endOffset, 0), bytes: user.reduce((s, t) => s + t.sizeBytes, 0), requestTime: null }
      latency.element.hidden = true
      latencyNote.textContent = 'This broker serves no /metrics: throughput is read from the topics’ end offsets and sizes, and request latency is not available.'
    }
    if (previous !== null) {
      const seconds = (current.at - previous.at) / 1000
      const rate = (a, b) => (a === null || b === null ? null : Math.max(0, (a - b) / seconds))
      messages.push(at, [rate(current.messages, previous.messages)])
      bytes.push(at, [rate(current.bytes, previous.bytes)])
      if (current.requestTime && previous.requestTime) {
        const mean = (type) => {
          const now = current.requestTime[type]
          const before = previous.requestTime[type]
          // No request of this type in the interval: no point, rather than a made-up 0 ms.
          if (!now || !before || now.count === before.count) return null
          return (now.sumMs - before.sumMs) / (now.count - before.count)
        }
        latency.push(at, [mean('Produce'), mean('FetchConsumer') ?? mean('Fetch')])
      }
    }
    previous = current
  }

  const stops = [poll(refreshCluster, 5000), poll(() => sample().catch(() => undefined), 2000)]
  return () => stops.forEach((stop) => stop())
}

function stat(label, value, kind) {
  return h(`div.stat${kind ? '.' + kind : ''}`, h('div.label', label), h('div.value', value))
}
