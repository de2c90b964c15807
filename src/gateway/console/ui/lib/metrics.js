// Reads the figures the Brokers page charts from Prometheus text (/metrics): messages and bytes
// in (the JMX exporter's kafka_server_brokertopicmetrics_* counters, summed over topics) and the
// request time histograms per request type (sum and count, so an interval's mean is Δsum/Δcount).

/** { messagesIn, bytesIn, requestTime: { Produce: { sumMs, count }, ... } } */
export function readMetrics(text) {
  let messagesIn = null
  let bytesIn = null
  const requestTime = {}
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line)
    if (match === null) continue
    const [, name, labels = '', valueText] = match
    const value = Number(valueText)
    if (!Number.isFinite(value)) continue
    if (name === 'kafka_server_brokertopicmetrics_messagesin_total') messagesIn = (messagesIn ?? 0) + value
    else if (name === 'kafka_server_brokertopicmetrics_bytesin_total') bytesIn = (bytesIn ?? 0) + value
    else if (/totaltime|latency|duration/i.test(name) && /_(sum|count)$/.test(name)) {
      const request = /request="([^"]+)"/.exec(labels)?.[1]
      if (request === undefined) continue
      const entry = (requestTime[request] ??= { sumMs: 0, count: 0 })
      if (name.endsWith('_count')) entry.count += value
      else entry.sumMs += /seconds/.test(name) ? value * 1000 : value
    }
  }
  return { messagesIn, bytesIn, requestTime }
}
