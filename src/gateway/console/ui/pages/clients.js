// Clients: who is connected to this broker's Kafka listeners, grouped by the client software each
// named (KIP-511: librdkafka, apache-kafka-java, ... with their versions; "unknown" for clients
// that never said), with a count per group. A group opens, on click, to its connections: address,
// client id, principal, listener, since when, requests and bytes. Refreshed every two seconds;
// what is open stays open across refreshes.
import { api } from '../lib/api.js'
import { badge, errorBox, formatBytes, formatNumber, formatTime, h, table } from '../lib/dom.js'
import { poll } from '../lib/poll.js'

export function clientsPage(view) {
  const search = h('input.search', { type: 'search', placeholder: 'Search software, client id, address', 'aria-label': 'Search clients' })
  const stats = h('div.stats')
  const note = h('p.muted', { style: 'margin:0 0 12px' })
  const body = h('div.panel.flush', h('p.empty', 'Loading clients…'))
  const errorSlot = h('div')
  view.append(h('div.page-head', h('h1', 'Clients'), h('span.spacer'), search), errorSlot, stats, note, body)
  /** Groups shown open, by `name/version`. */
  const open = new Set()
  let answer = null

  const key = (group) => `${group.name}/${group.version}`
  const matches = (group, term) =>
    term === '' ||
    key(group).toLowerCase().includes(term) ||
    group.connections.some((c) => (c.clientId ?? '').toLowerCase().includes(term) || c.address.includes(term) || c.principal.toLowerCase().includes(term))

  function render() {
    if (answer === null) return
    const term = search.value.trim().toLowerCase()
    const groups = answer.software.filter((g) => matches(g, term))
    stats.replaceChildren(
      stat('Connections', formatNumber(answer.connections), 'connections'),
      stat('Client software', formatNumber(answer.software.length)),
      stat('Broker', `broker ${answer.nodeId}`),
    )
    note.textContent = `The Kafka connections of broker ${answer.nodeId}, the broker serving this console; each broker's console shows its own.`
    const view = table(
      [
        { label: 'Software', value: (g) => [h('span.chevron', open.has(key(g)) ? '▾ ' : '▸ '), g.name === 'unknown' ? h('span.muted', 'unknown') : h('strong', g.name)] },
        { label: 'Version', class: 'mono', value: (g) => (g.version === 'unknown' ? h('span.muted', 'unknown') : g.version) },
        { label: 'Connections', num: true, value: (g) => h('span', { dataset: { testid: `connections-${key(g)}` } }, formatNumber(g.connectionCount)) },
        { label: 'Listeners', value: (g) => g.listeners.map((l, i) => [i > 0 ? ' ' : null, badge(l)]) },
      ],
      groups,
      {
        empty: answer.software.length === 0 ? 'No Kafka client is connected to this broker.' : 'No client matches the search.',
        testId: 'clients',
        onRow: (group, tr) => {
          tr.classList.add('clickable')
          tr.dataset.software = key(group)
          tr.addEventListener('click', () => {
            if (open.has(key(group))) open.delete(key(group))
            else open.add(key(group))
            render()
          })
        },
      },
    )
    // Each open group's connections, in a row of their own under it.
    for (const group of groups) {
      if (!open.has(key(group))) continue
      const tr = [...view.querySelectorAll('tbody tr')].find((row) => row.dataset.software === key(group))
      tr.classList.add('selected')
      tr.after(h('tr.message-detail', h('td', { colSpan: 4 }, connectionsTable(group))))
    }
    body.replaceChildren(view)
  }

  search.addEventListener('input', render)
  return poll(async () => {
    try {
      answer = await api.clients()
      errorSlot.replaceChildren()
      render()
    } catch (error) {
      errorSlot.replaceChildren(errorBox(error))
    }
  }, 2000)
}

function connectionsTable(group) {
  const listed = group.connections.length
  const more = listed < group.connectionCount ? h('p.muted', { style: 'margin:8px 0 0' }, `The oldest ${formatNumber(listed)} of ${formatNumber(group.connectionCount)} connections.`) : null
  return [table(
    [
      { label: 'Address', class: 'mono', value: (c) => c.address },
      { label: 'Client id', class: 'mono', value: (c) => c.clientId ?? h('span.muted', '–') },
      { label: 'Principal', class: 'mono', value: (c) => c.principal },
      { label: 'Listener', value: (c) => c.listener },
      { label: 'Connected since', class: 'nowrap mono', value: (c) => formatTime(c.connectedAt) },
      { label: 'Requests', num: true, value: (c) => formatNumber(c.requests) },
      { label: 'Bytes in', num: true, value: (c) => formatBytes(c.bytesIn) },
      { label: 'Bytes out', num: true, value: (c) => formatBytes(c.bytesOut) },
    ],
    group.connections,
    { testId: `connections-of-${group.name}/${group.version}` },
  ), more]
}

function stat(label, value, testId) {
  return h('div.stat', h('div.label', label), h('div.value', { dataset: testId ? { testid: testId } : undefined }, value))
}
