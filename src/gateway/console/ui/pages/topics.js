// Topics, the landing page: every topic with partitions, replication, size, records and
// messages in/s (from successive end offsets), a search box, create and delete.
import { api } from '../lib/api.js'
import { badge, errorBox, formatBytes, formatNumber, formatRate, h, openDialog, table, toast } from '../lib/dom.js'
import { poll } from '../lib/poll.js'

export function topicsPage(view) {
  const search = h('input.search', { type: 'search', placeholder: 'Search topics', 'aria-label': 'Search topics', value: sessionStorage.getItem('topics.search') ?? '' })
  const showInternal = h('input', { type: 'checkbox', checked: sessionStorage.getItem('topics.internal') === '1' })
  const body = h('div.panel.flush', h('p.empty', 'Loading topics…'))
  const errorSlot = h('div')
  view.append(
    h('div.page-head', h('h1', 'Topics'), h('span.spacer'), search,
      h('label', { style: 'flex-direction:row;align-items:center;gap:6px' }, showInternal, 'Internal topics'),
      h('button.primary', { onclick: () => createTopicDialog(refresh), dataset: { testid: 'create-topic' } }, 'Create topic')),
    errorSlot,
    body,
  )

  let topics = []
  const rates = new Map() // name → { endOffset, at, rate }

  function render() {
    const term = search.value.trim().toLowerCase()
    const shown = topics.filter((t) => (showInternal.checked || !t.internal) && t.name.toLowerCase().includes(term))
    body.replaceChildren(
      table(
        [
          { label: 'Topic', value: (t) => h('span', h('a', { href: `#/topics/${encodeURIComponent(t.name)}` }, t.name), t.internal ? [' ', badge('internal')] : null) },
          { label: 'Partitions', num: true, value: (t) => formatNumber(t.partitions) },
          { label: 'Replicas', num: true, value: (t) => formatNumber(t.replicationFactor) },
          { label: 'Size', num: true, value: (t) => `${t.sizePartial ? '≥ ' : ''}${formatBytes(t.sizeBytes)}` },
          { label: 'Messages', num: true, value: (t) => formatNumber(t.messages) },
          { label: 'Messages in/s', num: true, value: (t) => formatRate(rates.get(t.name)?.rate ?? null, '') },
          {
            label: 'Health',
            value: (t) =>
              t.offlinePartitions > 0 ? badge(`${t.offlinePartitions} offline`, 'bad')
                : t.underReplicatedPartitions > 0 ? badge(`${t.underReplicatedPartitions} under-replicated`, 'warn')
                  : badge('in sync', 'ok'),
          },
          { label: '', class: 'num', value: (t) => (t.internal ? null : h('button.small.danger', { onclick: () => deleteTopic(t.name) }, 'Delete')) },
        ],
        shown,
        { empty: topics.length === 0 ? 'No topics yet. Create one to get started.' : 'No topic matches the search.', testId: 'topics' },
      ),
    )
  }

  async function refresh() {
    try {
      const { topics: latest } = await api.topics()
      const now = performance.now()
      for (const t of latest) {
        const before = rates.get(t.name)
        const rate = before === undefined ? null : Math.max(0, ((t.endOffset - before.endOffset) * 1000) / (now - before.at))
        rates.set(t.name, { endOffset: t.endOffset, at: now, rate })
      }
      topics = latest
      errorSlot.replaceChildren()
      render()
    } catch (error) {
      errorSlot.replaceChildren(errorBox(error))
    }
  }

  async function deleteTopic(name) {
    if (!confirm(`Delete topic '${name}' and all its messages? This cannot be undone.`)) return
    try {
      await api.deleteTopic(name)
      toast(`Deleted topic ${name}`)
      await refresh()
    } catch (error) {
      toast(error.message, 'bad')
    }
  }

  search.addEventListener('input', () => {
    sessionStorage.setItem('topics.search', search.value)
    render()
  })
  showInternal.addEventListener('change', () => {
    sessionStorage.setItem('topics.internal', showInternal.checked ? '1' : '0')
    render()
  })
  search.focus()
  return poll(refresh, 2000)
}

function createTopicDialog(done) {
  const name = h('input', { name: 'name', required: true, placeholder: 'orders', autocomplete: 'off', pattern: '[a-zA-Z0-9._\\-]+', title: 'Letters, digits, . _ and -' })
  const partitions = h('input', { name: 'partitions', type: 'number', min: 1, max: 10000, value: 3, required: true })
  const replicas = h('input', { name: 'replicationFactor', type: 'number', min: 1, value: 1, required: true })
  const configs = h('textarea', { name: 'configs', placeholder: 'retention.ms=86400000\ncleanup.policy=compact', rows: 4 })
  openDialog(
    'Create topic',
    [
      h('div.form-row', h('label.grow', 'Name', name)),
      h('div.form-row', h('label', 'Partitions', partitions), h('label', 'Replication factor', replicas)),
      h('div.form-row', h('label.grow', 'Settings (one name=value per line, optional)', configs)),
    ],
    {
      submitLabel: 'Create',
      async onSubmit() {
        const settings = {}
        for (const line of configs.value.split('\n')) {
          if (line.trim() === '') continue
          const at = line.indexOf('=')
          if (at <= 0) throw new Error(`"${line.trim()}" is not name=value.`)
          settings[line.slice(0, at).trim()] = line.slice(at + 1).trim()
        }
        const created = await api.createTopic({ name: name.value.trim(), partitions: Number(partitions.value), replicationFactor: Number(replicas.value), configs: settings })
        toast(`Created topic ${created.name}`)
        await done()
      },
    },
  )
  name.focus()
}
