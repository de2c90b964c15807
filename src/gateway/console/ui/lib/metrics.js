// Reads the figures the Brokers page charts from Prometheus text (/metrics): messages and bytes
// in (the JMX exporter's kafka_server_brokertopicmetrics_* counters, summed over topics) and the
// request time histograms per request type (sum and count, so an interval's mean is Δsum/Δcount).

/** { messagesIn, bytesIn, requestTime: { Produce: { sumMs, count }, ... } } */
export function readMetrics(text) {
  // Each counter comes per topic and, unlabelled, for all topics (as the JMX exporter exposes
  // both); the all-topics line wins when present, else the topics are summed.
  const sums = { messagesIn: null, bytesIn: null }
  const totals = { messagesIn: null, bytesIn: null }
  const requestTime = {}
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line)
    if (match === null) continue
    const [, name, labels = '', valueText] = match
    const value = Number(valueText)
    if (!Number.isFinite(value)) continue
    const counter = name === 'kafka_server_brokertopicmetrics_messagesin_total' ? 'messagesIn' : name === 'kafka_server_brokertopicmetrics_bytesin_total' ? 'bytesIn' : null
    if (counter !== null) {
      if (labels === '') totals[counter] = value
      else sums[counter] = (sums[counter] ?? 0) + value
    } else if (/totaltime|latency|duration/i.test(name) && /_(sum|count)$/.test(name)) {
      const request = /request="([^"]+)"/.exec(labels)?.[1]
      if (request === undefined) continue
      const entry = (requestTime[request] ??= { sumMs: 0, count: 0 })
      if (name.endsWith('_count')) entry.count += value
      else entry.sumMs += /seconds/.test(name) ? value * 1000 : value
    }
  }
  return { messagesIn: totals.messagesIn ?? sums.messagesIn, bytesIn: totals.bytesIn ?? sums.bytesIn, requestTime }
}
