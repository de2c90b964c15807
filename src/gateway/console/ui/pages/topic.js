// A topic's page: its figures, then tabs for the message browser, the partitions table and the
// configuration (effective values, defaults and overrides, editable).
import { api } from '../lib/api.js'
import { badge, errorBox, formatBytes, formatNumber, formatRate, h, openDialog, table, toast } from '../lib/dom.js'
import { poll } from '../lib/poll.js'
import { messagesTab } from './messages.js'

const TABS = [['messages', 'Messages'], ['partitions', 'Partitions'], ['configs', 'Configuration']]

export function topicPage(view, name, tab = 'messages') {
  const stats = h('div.stats')
  const errorSlot = h('div')
  const content = h('div')
  const link = (id) => `#/topics/${encodeURIComponent(name)}/${id}`
  view.append(
    h('div.crumbs', h('a', { href: '#/topics' }, 'Topics'), ' / ', name),
    h('div.page-head', h('h1', name), h('span.spacer'), h('button.danger', { onclick: remove }, 'Delete topic')),
    errorSlot,
    stats,
    h('div.tabs', { role: 'tablist' }, TABS.map(([id, label]) => h('button', { class: id === tab ? 'active' : undefined, role: 'tab', onclick: () => (location.hash = link(id)) }, label))),
    content,
  )

  let topic = null
  let previous = null
  let rate = null
  const stops = []

  async function refresh() {
    try {
      topic = await api.topic(name)
      const now = performance.now()
      if (previous !== null) rate = Math.max(0, ((topic.endOffset - previous.endOffset) * 1000) / (now - previous.at))
      previous = { endOffset: topic.endOffset, at: now }
      errorSlot.replaceChildren()
      stats.replaceChildren(
        stat('Partitions', formatNumber(topic.partitions)),
        stat('Replicas', formatNumber(topic.replicationFactor)),
        // Partitions with no replica on this broker add a size it does not know.
        stat('Size on disk', `${topic.sizePartial ? '≥ ' : ''}${formatBytes(topic.sizeBytes)}`),
        stat('Messages', formatNumber(topic.messages)),
        stat('Messages in/s', formatRate(rate, '')),
        stat('Health', topic.offlinePartitions > 0 ? `${topic.offlinePartitions} offline` : topic.underReplicatedPartitions > 0 ? `${topic.underReplicatedPartitions} under-replicated` : 'In sync',
          topic.offlinePartitions + topic.underReplicatedPartitions > 0 ? 'bad' : 'ok'),
      )
      if (tab === 'partitions') renderPartitions()
    } catch (error) {
      errorSlot.replaceChildren(errorBox(error))
    }
  }

  function renderPartitions() {
    content.replaceChildren(
      h('div.panel.flush',
        table(
          [
            { label: 'Partition', num: true, value: (p) => p.partition },
            { label: 'Leader', num: true, value: (p) => (p.leader === -1 ? badge('none', 'bad') : p.leader) },
            { label: 'Replicas', value: (p) => p.replicas.join(', ') },
            { label: 'In-sync replicas', value: (p) => h('span', p.isr.join(', '), ' ', p.offline ? badge('offline', 'bad') : p.underReplicated ? badge('under-replicated', 'warn') : null) },
            { label: 'Start offset', num: true, value: (p) => formatNumber(p.startOffset) },
            { label: 'End offset', num: true, value: (p) => formatNumber(p.endOffset) },
            { label: 'Messages', num: true, value: (p) => (p.endOffset === null ? '–' : formatNumber(p.endOffset - p.startOffset)) },
            { label: 'Size', num: true, value: (p) => formatBytes(p.sizeBytes) },
          ],
          topic.partitionDetails,
          { testId: 'partitions' },
        )),
    )
  }

  async function renderConfigs() {
    try {
      const { configs } = await api.configs(name)
      const overrides = configs.filter((c) => c.overridden).length
      content.replaceChildren(
        h('div.panel.flush',
          h('div.panel-head', h('h2', 'Settings'), h('span.muted', `${overrides} overridden, ${configs.length - overrides} at their default`)),
          table(
            [
              { label: 'Setting', value: (c) => h('div', h('span.mono', { class: c.overridden ? 'override' : undefined }, c.name), h('div.doc', c.documentation)) },
              { label: 'Value', value: (c) => h('span.mono', { class: c.overridden ? 'override' : undefined }, c.value ?? '–') },
              { label: 'Default', value: (c) => h('span.mono.muted', c.default ?? '–') },
              { label: 'Source', value: (c) => (c.overridden ? badge('topic override', 'info') : badge(c.source === 'STATIC_BROKER_CONFIG' ? 'broker setting' : 'default')) },
              {
                label: '',
                class: 'num nowrap',
                value: (c) => [
                  h('button.small', { onclick: () => editConfig(c) }, 'Edit'),
                  c.overridden ? [' ', h('button.small', { onclick: () => resetConfig(c) }, 'Reset')] : null,
                ],
              },
            ],
            configs,
            { testId: 'configs' },
          )),
      )
    } catch (error) {
      content.replaceChildren(errorBox(error))
    }
  }

  function editConfig(config) {
    const input = h('input', { value: config.value ?? '', required: true, class: 'mono' })
    openDialog(`Set ${config.name}`, [h('p.doc', config.documentation), h('div.form-row', h('label.grow', `Value (default ${config.default ?? 'none'})`, input))], {
      async onSubmit() {
        await api.setConfig(name, config.name, input.value)
        toast(`${config.name} set to ${input.value}`)
        await renderConfigs()
      },
    })
    input.select()
  }

  async function resetConfig(config) {
    try {
      await api.resetConfig(name, config.name)
      toast(`${config.name} is back to its default`)
      await renderConfigs()
    } catch (error) {
      toast(error.message, 'bad')
    }
  }

  async function remove() {
    if (!confirm(`Delete topic '${name}' and all its messages? This cannot be undone.`)) return
    try {
      await api.deleteTopic(name)
      toast(`Deleted topic ${name}`)
      location.hash = '#/topics'
    } catch (error) {
      toast(error.message, 'bad')
    }
  }

  stops.push(poll(refresh, 2000))
  if (tab === 'configs') renderConfigs()
  else if (tab === 'messages') stops.push(messagesTab(content, name, refresh))
  else content.append(h('p.empty', 'Loading partitions…'))
  return () => stops.forEach((stop) => stop())
}

function stat(label, value, kind) {
  return h(`div.stat${kind ? '.' + kind : ''}`, h('div.label', label), h('div.value', value))
}
