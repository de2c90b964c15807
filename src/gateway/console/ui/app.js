// The console's shell: a hash router (so every page is the one index.html, whatever the server
// path), the sidebar's cluster health, and each page's start and stop (pages poll while shown).
import { api } from './lib/api.js'
import { formatNumber, h } from './lib/dom.js'
import { brokersPage } from './pages/brokers.js'
import { clientsPage } from './pages/clients.js'
import { groupPage } from './pages/group.js'
import { groupsPage } from './pages/groups.js'
import { topicPage } from './pages/topic.js'
import { topicsPage } from './pages/topics.js'

const routes = [
  [/^\/topics\/?$/, 'topics', () => topicsPage],
  [/^\/topics\/([^/]+)(?:\/(\w+))?$/, 'topics', () => topicPage],
  [/^\/groups\/?$/, 'groups', () => groupsPage],
  [/^\/groups\/([^/]+)$/, 'groups', () => groupPage],
  [/^\/brokers\/?$/, 'brokers', () => brokersPage],
  [/^\/clients\/?$/, 'clients', () => clientsPage],
]

const view = document.getElementById('view')
let stopPage = null

function route() {
  const path = location.hash.replace(/^#/, '') || '/topics'
  if (stopPage) stopPage()
  stopPage = null
  for (const [pattern, nav, page] of routes) {
    const match = pattern.exec(path)
    if (match === null) continue
    for (const link of document.querySelectorAll('[data-nav]')) link.classList.toggle('active', link.dataset.nav === nav)
    view.replaceChildren()
    const params = match.slice(1).map((p) => (p === undefined ? undefined : decodeURIComponent(p)))
    stopPage = page()(view, ...params) ?? null
    window.scrollTo(0, 0)
    return
  }
  location.hash = '#/topics'
}

async function refreshHealth() {
  const slot = document.getElementById('cluster-health')
  try {
    const c = await api.cluster()
    const problems = c.underReplicatedPartitions + c.offlinePartitions
    slot.replaceChildren(
      h('div', h('strong', `${c.brokers.length} broker${c.brokers.length === 1 ? '' : 's'}`), ` · controller ${c.controllerId}`),
      h('div', `${formatNumber(c.topics)} topics · ${formatNumber(c.partitions)} partitions`),
      h('div', { style: `color:${problems === 0 ? '#6fd39b' : '#ff8f85'}` }, problems === 0 ? '● All partitions in sync' : `● ${c.underReplicatedPartitions} under-replicated, ${c.offlinePartitions} offline`),
    )
  } catch (error) {
    slot.replaceChildren(h('div', { style: 'color:#ff8f85' }, `● ${error.message}`))
  }
}

window.addEventListener('hashchange', route)
route()
refreshHealth()
setInterval(refreshHealth, 5000)
