/**
 * The cluster test helper (test/helpers/cluster.ts) itself: it starts real etcd and broker
 * processes, restarts a broker as itself, and leaves no process and no directory behind.
 */
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startCluster } from '../helpers/cluster.js'

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('startCluster', () => {
  it('starts three brokers with node ids 1-3 on their own ports and data dirs, restarts one as itself, and close() leaves nothing', async () => {
    // The broker processes are what this test is about, not whether they have formed one cluster.
    const cluster = await startCluster({ brokers: 3, waitForMetadata: false })
    const [one, two, three] = cluster.brokers
    expect(cluster.brokers.map((b) => b.nodeId)).toEqual([1, 2, 3])
    expect(new Set(cluster.brokers.map((b) => b.port)).size).toBe(3)
    expect(new Set(cluster.brokers.map((b) => b.dataDir)).size).toBe(3)
    expect(cluster.bootstrap).toBe(`${one!.bootstrap},${two!.bootstrap},${three!.bootstrap}`)
    expect(cluster.broker(2)).toBe(two)
    expect(two!.child.spawnargs).toEqual(expect.arrayContaining(['--etcd', cluster.etcd.endpoints.join(','), '--node-id', '2']))

    await cluster.kill(2)
    expect(alive(two!.child.pid)).toBe(false)
    const again = await cluster.restart(2)
    expect([again.nodeId, again.port, again.dataDir]).toEqual([2, two!.port, two!.dataDir])
    expect(cluster.broker(2)).toBe(again)
    expect(cluster.bootstrap).toContain(again.bootstrap)

    const pids = [...cluster.brokers.map((b) => b.child.pid), two!.child.pid]
    const root = dirname(one!.dataDir)
    await cluster.close()
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false)
    expect(existsSync(root)).toBe(false)
    for (const member of cluster.etcd.members) expect(existsSync(member.dataDir)).toBe(false)
  })

  // Needs the server side of cluster mode (brokers that register in etcd and list each other).
  it('forms one cluster: every broker lists all three brokers and the same controller', async () => {
    const cluster = await startCluster({ brokers: 3 })
    try {
      const views = await Promise.all([1, 2, 3].map((id) => cluster.metadata(id)))
      for (const view of views) expect(view.brokers.map((b) => b.nodeId)).toEqual([1, 2, 3])
      expect(new Set(views.map((v) => v.controllerId)).size).toBe(1)
    } finally {
      await cluster.close()
    }
  })
})
