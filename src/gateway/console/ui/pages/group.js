// One consumer group: its state, members and their assignments, lag per partition and in total,
// and resetting an empty group's offsets (earliest, latest or a time).
import { api } from '../lib/api.js'
import { errorBox, formatNumber, h, openDialog, stateBadge, table, toast } from '../lib/dom.js'
import { poll } from '../lib/poll.js'

export function groupPage(view, groupId) {
  const stats = h('div.stats')
  const errorSlot = h('div')
  const resetButton = h('button', { onclick: resetDialog, dataset: { testid: 'reset-offsets' } }, 'Reset offsets')
  const members = h('div.panel.flush')
  const offsets = h('div.panel.flush')
  view.append(
    h('div.crumbs', h('a', { href: '#/groups' }, 'Consumer groups'), ' / ', groupId),
    h('div.page-head', h('h1', groupId), h('span.spacer'), resetButton),
    errorSlot, stats, offsets, members,
  )
  let group = null

  async function refresh() {
    try {
      group = await api.group(groupId)
    } catch (error) {
      errorSlot.replaceChildren(errorBox(error))
      return
    }
    errorSlot.replaceChildren()
    const empty = group.state === 'Empty'
    resetButton.disabled = !empty
    resetButton.title = empty ? '' : 'Offsets can be reset only while the group has no members: stop its consumers first.'
    stats.replaceChildren(
      stat('State', stateBadge(group.state)),
      stat('Members', formatNumber(group.members.length)),
      stat('Partitions', formatNumber(group.offsets.length)),
      h('div.stat', { class: group.totalLag > 0 ? 'bad' : 'ok' }, h('div.label', 'Total lag'), h('div.value', { dataset: { testid: 'total-lag' } }, formatNumber(group.totalLag))),
    )
    const maxLag = Math.max(1, ...group.offsets.map((o) => o.lag ?? 0))
    offsets.replaceChildren(
      h('div.panel-head', h('h2', 'Lag by partition')),
      table(
        [
          { label: 'Topic', value: (o) => h('a', { href: `#/topics/${encodeURIComponent(o.topic)}` }, o.topic) },
          { label: 'Partition', num: true, value: (o) => o.partition },
          { label: 'Committed offset', num: true, value: (o) => formatNumber(o.committedOffset) },
          { label: 'End offset', num: true, value: (o) => formatNumber(o.endOffset) },
          { label: 'Lag', num: true, value: (o) => h('span', formatNumber(o.lag), h('span.lagbar', h('span', { style: `width:${((o.lag ?? 0) / maxLag) * 100}%` }))) },
          { label: 'Consumer', value: (o) => o.clientId ?? h('span.muted', 'unassigned') },
        ],
        group.offsets,
        { empty: 'This group has not committed offsets or been assigned partitions yet.', testId: 'group-offsets' },
      ),
    )
    members.replaceChildren(
      h('div.panel-head', h('h2', 'Members')),
      table(
        [
          { label: 'Client id', value: (m) => m.clientId },
          // Kafka reports hosts as Java's InetAddress prints them, '/127.0.0.1'.
          { label: 'Host', value: (m) => h('span.mono', m.host.replace(/^\//, '')) },
          { label: 'Member id', value: (m) => h('span.mono.muted', m.memberId) },
          { label: 'Assigned partitions', value: (m) => m.assignments.map((a) => `${a.topic}: ${a.partitions.join(', ')}`).join('; ') || h('span.muted', 'none') },
        ],
        group.members,
        { empty: 'No members: the group is empty, so its offsets can be reset.', testId: 'members' },
      ),
    )
  }

  function resetDialog() {
    const to = h('select', h('option', { value: 'earliest' }, 'Earliest (re-read everything)'), h('option', { value: 'latest' }, 'Latest (skip to the end)'), h('option', { value: 'timestamp' }, 'A point in time'))
    const time = h('input', { type: 'datetime-local', step: 1 })
    const timeLabel = h('label', 'Time', time)
    timeLabel.hidden = true
    to.addEventListener('change', () => (timeLabel.hidden = to.value !== 'timestamp'))
    const topics = [...new Set(group.offsets.map((o) => o.topic))]
    openDialog(`Reset offsets of ${groupId}`, [
      h('p.muted', { style: 'margin-top:0' }, `Moves the committed offsets of every partition of ${topics.join(', ') || 'its topics'}. The group's consumers start from there when they rejoin.`),
      h('div.form-row', h('label.grow', 'Reset to', to), timeLabel),
    ], {
      submitLabel: 'Reset offsets',
      async onSubmit() {
        const body = { to: to.value }
        if (to.value === 'timestamp') {
          body.timestamp = new Date(time.value).getTime()
          if (Number.isNaN(body.timestamp)) throw new Error('Pick a date and time.')
        }
        const result = await api.resetOffsets(groupId, body)
        toast(`Reset ${result.offsets.length} partition${result.offsets.length === 1 ? '' : 's'}`)
        await refresh()
      },
    })
  }

  return poll(refresh, 2000)
}

function stat(label, value) {
  return h('div.stat', h('div.label', label), h('div.value', value))
}
