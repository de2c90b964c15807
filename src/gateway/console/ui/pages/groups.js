// Consumer groups: state, members, topics and total lag, refreshed every two seconds.
import { api } from '../lib/api.js'
import { errorBox, formatNumber, h, stateBadge, table } from '../lib/dom.js'
import { poll } from '../lib/poll.js'

export function groupsPage(view) {
  const search = h('input.search', { type: 'search', placeholder: 'Search groups', 'aria-label': 'Search groups' })
  const body = h('div.panel.flush', h('p.empty', 'Loading groups…'))
  const errorSlot = h('div')
  view.append(h('div.page-head', h('h1', 'Consumer groups'), h('span.spacer'), search), errorSlot, body)
  let groups = []
  let complete = true

  function render() {
    const term = search.value.trim().toLowerCase()
    body.replaceChildren(
      complete ? '' : h('div.notice', 'Some group partitions are still loading; the list may be incomplete.'),
      table(
        [
          { label: 'Group', value: (g) => h('a', { href: `#/groups/${encodeURIComponent(g.groupId)}` }, g.groupId) },
          { label: 'State', value: (g) => stateBadge(g.state) },
          { label: 'Protocol', value: (g) => g.protocol || h('span.muted', '–') },
          { label: 'Members', num: true, value: (g) => formatNumber(g.members) },
          { label: 'Topics', value: (g) => g.topics.join(', ') || h('span.muted', '–') },
          { label: 'Total lag', num: true, value: (g) => h('span', { dataset: { testid: `lag-${g.groupId}` } }, formatNumber(g.totalLag)) },
        ],
        groups.filter((g) => g.groupId.toLowerCase().includes(term)),
        { empty: groups.length === 0 ? 'No consumer groups yet. They appear when a consumer joins or commits.' : 'No group matches the search.', testId: 'groups' },
      ),
    )
  }

  search.addEventListener('input', render)
  return poll(async () => {
    try {
      const answer = await api.groups()
      groups = answer.groups
      complete = answer.complete
      errorSlot.replaceChildren()
      render()
    } catch (error) {
      errorSlot.replaceChildren(errorBox(error))
    }
  }, 2000)
}
