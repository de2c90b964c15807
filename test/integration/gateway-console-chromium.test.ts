/**
 * The web console in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against a real broker process serving its HTTP gateway. Through the console's
 * own pages a person creates a topic, produces a message and reads it back in the message
 * browser, while kcat reads the same message over the Kafka protocol, and a live tail over the
 * WebSocket stream shows the next one with its headers; then a consumer group's
 * lag, shown live, falls to 0 as a kafkajs consumer catches up, and resetting the now empty
 * group's offsets to the earliest brings the lag back. The Clients page shows a running kcat
 * under librdkafka and its version, opens to its connection, and drops it when kcat exits.
 * Screenshots of every page go to a directory the test prints, to be looked at.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Consumer, Kafka, type Producer, logLevel } from 'kafkajs'
import { type Browser, type Page, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrokerProcess, startBrokerWithGateway } from '../helpers/broker-process.js'
import { kcat } from '../helpers/clients.js'
import { killAndWait, trackProcess } from '../helpers/leaks.js'

const SHOTS = mkdtempSync(join(tmpdir(), 'samsa-console-screens-'))
const LAGGING = 300

let broker: BrokerProcess
let browser: Browser
let page: Page
let kafka: Kafka
let producer: Producer | undefined
let consumer: Consumer | undefined
let kcatConsumer: ChildProcess | undefined
const pageErrors: string[] = []

beforeAll(async () => {
  console.log(`console screenshots: ${SHOTS}`)
  broker = await startBrokerWithGateway()
  kafka = new Kafka({ clientId: 'console-chromium-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING })
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  page.setDefaultTimeout(30_000)
  page.on('pageerror', (error) => pageErrors.push(error.message))
}, 120_000)

afterAll(async () => {
  if (kcatConsumer !== undefined) await killAndWait(kcatConsumer)
  await consumer?.disconnect().catch(() => undefined)
  await producer?.disconnect().catch(() => undefined)
  await browser?.close()
  await broker?.stop()
})

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

/** Waits until the element's text is `expected`, collecting every text it showed on the way. */
async function watchText(selector: string, expected: string, seen: string[], timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const text = (await page.locator(selector).textContent({ timeout: timeoutMs }).catch(() => null)) ?? ''
    if (seen[seen.length - 1] !== text) seen.push(text)
    if (text === expected) return
    if (Date.now() > deadline) throw new Error(`${selector} never showed ${expected}; it showed ${JSON.stringify(seen)}`)
    await page.waitForTimeout(100)
  }
}

describe('web console in headless Chromium', () => {
  it('creates a topic and produces a message through the console; the browser and kcat both show it', async () => {
    await page.goto(broker.httpUrl!)
    await page.locator('h1', { hasText: 'Topics' }).waitFor()
    await page.locator('[data-testid=create-topic]').click()
    await page.locator('dialog input[name=name]').fill('console-demo')
    await page.locator('dialog input[name=partitions]').fill('3')
    await page.locator('dialog textarea[name=configs]').fill('retention.ms=86400000')
    await page.locator('dialog button[type=submit]').click()
    await page.locator('table[data-testid=topics] a', { hasText: 'console-demo' }).waitFor()
    const row = page.locator('table[data-testid=topics] tr', { has: page.locator('a', { hasText: 'console-demo' }) })
    expect(await row.locator('td').nth(1).textContent()).toBe('3')
    await shot('1-topics')

    await row.locator('a').click()
    await page.locator('table[data-testid=messages] td.empty').waitFor()
    expect(await page.locator('table[data-testid=messages] td.empty').textContent()).toMatch(/No messages here yet/)

    await page.locator('[data-testid=produce]').click()
    await page.locator('[data-testid=produce-key]').fill('user-42')
    await page.locator('[data-testid=produce-value]').fill('{"event":"signup","plan":"pro","seats":5}')
    await shot('2-produce-dialog')
    await page.locator('dialog button[type=submit]').click()
    await page.locator('.toast', { hasText: /Produced to partition \d at offset 0/ }).waitFor()

    // The browser reads it back: newest first, value shown pretty-printed as JSON.
    const message = page.locator('table[data-testid=messages] tbody tr.clickable')
    await message.first().waitFor()
    expect(await message.count()).toBe(1)
    expect(await message.first().locator('td').nth(3).textContent()).toBe('user-42')
    expect(await message.first().locator('td').nth(4).textContent()).toBe('{"event":"signup","plan":"pro","seats":5}')
    await message.first().click()
    const value = page.locator('[data-testid=message-value]')
    await value.waitFor()
    expect(await value.textContent()).toBe('{\n  "event": "signup",\n  "plan": "pro",\n  "seats": 5\n}')
    await shot('3-message-browser')

    // And a Kafka client reads the same record.
    const read = await kcat(['-C', '-b', broker.bootstrap, '-t', 'console-demo', '-o', 'beginning', '-e', '-q', '-f', '%k|%s\n'])
    expect(read.stdout.toString()).toBe('user-42|{"event":"signup","plan":"pro","seats":5}\n')

    // A live tail over the WebSocket stream shows what arrives next, headers included.
    await page.locator('[data-testid=live-tail]').click()
    await page.getByText('Live: waiting for new messages').waitFor()
    producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: 'console-demo', messages: [{ key: 'user-7', value: 'plain text, live', headers: { trace: 'abc-123' }, partition: 2 }] })
    const live = page.locator('table[data-testid=messages] tbody tr.clickable')
    await page.getByText('Live: 1 new message').waitFor()
    expect(await live.count()).toBe(1)
    expect(await live.first().locator('td').nth(4).textContent()).toBe('plain text, live')
    expect(await live.first().locator('td').nth(5).textContent()).toBe('1')
    await live.first().click()
    expect(await page.locator('[data-testid=message-value]').textContent()).toBe('plain text, live')
    expect(await page.locator('.viewer dl.kv').nth(1).textContent()).toBe('traceabc-123')
    await shot('4-live-tail')
    await page.locator('[data-testid=live-tail]').click()

    await page.getByRole('tab', { name: 'Partitions' }).click()
    await page.locator('table[data-testid=partitions] tbody tr').nth(2).waitFor()
    const ends = await page.locator('table[data-testid=partitions] tbody tr td:nth-child(6)').allTextContents()
    expect(ends.map(Number).sort()).toEqual([0, 1, 1])
    await shot('5-partitions')

    await page.getByRole('tab', { name: 'Configuration' }).click()
    const retention = page.locator('table[data-testid=configs] tr', { has: page.locator('span.mono', { hasText: /^retention\.ms$/ }) })
    await retention.waitFor()
    expect(await retention.locator('td').nth(1).textContent()).toBe('86400000')
    expect(await retention.locator('td').nth(2).textContent()).toBe('604800000')
    expect(await retention.locator('td').nth(3).textContent()).toBe('topic override')
    await shot('6-configs')
  }, 180_000)

  it("shows a group's lag falling to 0 as a kafkajs consumer catches up, and resets the empty group", async () => {
    const topic = 'console-lag'
    const groupId = 'console-lag-readers'
    const admin = kafka.admin()
    await admin.connect()
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
      await producer!.send({ topic, messages: Array.from({ length: LAGGING }, (_, i) => ({ key: `k${i}`, value: `order ${i}` })) })
      // The group starts at the beginning with nobody consuming: all of it is lag.
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }, { partition: 1, offset: '0' }] })
    } finally {
      await admin.disconnect()
    }

    await page.goto(`${broker.httpUrl}#/groups`)
    await page.locator(`[data-testid="lag-${groupId}"]`).waitFor()
    await watchText(`[data-testid="lag-${groupId}"]`, String(LAGGING), [])
    await shot('7-groups')

    await page.locator('table[data-testid=groups] a', { hasText: groupId }).click()
    const seen: string[] = []
    await watchText('[data-testid=total-lag]', String(LAGGING), seen)
    await shot('8-group-lagging')

    // Slow enough that the console sees it catch up rather than jump.
    consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, maxBytesPerPartition: 2048 })
    await consumer.connect()
    await consumer.subscribe({ topic })
    await consumer.run({ autoCommitInterval: 200, eachMessage: () => new Promise((resolve) => setTimeout(resolve, 5)) })

    await watchText('[data-testid=total-lag]', '0', seen)
    expect(seen[0]).toBe(String(LAGGING))
    expect(seen[seen.length - 1]).toBe('0')
    // Every value it showed on the way down was a count between the two, falling.
    const counts = seen.filter((t) => /^[\d,]+$/.test(t)).map((t) => Number(t.replace(/,/g, '')))
    for (let i = 1; i < counts.length; i++) expect(counts[i]!).toBeLessThanOrEqual(counts[i - 1]!)
    await page.locator('table[data-testid=members] tbody tr td', { hasText: 'console-chromium-test' }).first().waitFor()
    expect(await page.locator('table[data-testid=members] tbody tr td').nth(3).textContent()).toBe(`${topic}: 0, 1`)
    expect(await page.locator('[data-testid=reset-offsets]').isDisabled()).toBe(true)
    await shot('9-group-caught-up')

    await consumer.disconnect()
    consumer = undefined
    await page.locator('[data-testid=reset-offsets]:not([disabled])').waitFor({ timeout: 60_000 })
    await page.locator('[data-testid=reset-offsets]').click()
    await page.locator('dialog select').selectOption('earliest')
    await page.locator('dialog button[type=submit]').click()
    await page.locator('.toast', { hasText: 'Reset 2 partitions' }).waitFor()
    await watchText('[data-testid=total-lag]', String(LAGGING), [])
    await shot('10-group-reset')
  }, 240_000)

  it('draws the brokers page with live throughput and request time from /metrics', async () => {
    await page.goto(`${broker.httpUrl}#/brokers`)
    await page.locator('table[data-testid=brokers] tbody tr').first().waitFor()
    const cells = await page.locator('table[data-testid=brokers] tbody tr td').allTextContents()
    expect(cells[0]).toBe('1')
    expect(cells[1]).toBe(`${broker.host}:${broker.port}`)
    expect(cells[3]).toContain('controller')

    // Produce for a while so the throughput chart has something to draw.
    const sending = (async () => {
      for (let i = 0; i < 30; i++) {
        await producer!.send({ topic: 'console-lag', messages: Array.from({ length: 50 }, (_, j) => ({ value: `burst ${i}.${j}` })) })
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })()
    await page.locator('svg[data-chart=messages-in][data-drawn-series="1"] path').waitFor({ timeout: 60_000 })
    // With /metrics served, request time per type is charted too (Produce at least, as we produce).
    await page.locator('svg[data-chart=latency] path').first().waitFor({ timeout: 60_000 })
    await sending
    const peak = await page.locator('svg[data-chart=messages-in] text').first().textContent()
    expect(peak).not.toBeNull()
    await shot('11-brokers')
    expect(pageErrors).toEqual([])
  }, 120_000)

  it('lists the connected clients by software and version, opens a group to its connections, and drops a client that leaves', async () => {
    const librdkafka = /librdkafka (\S+)/.exec(spawnSync('kcat', ['-V'], { encoding: 'utf8' }).stdout)?.[1]
    expect(librdkafka).toBeDefined()
    const software = `librdkafka/${librdkafka}`
    // Waits at the end of the topic, holding its connection, until killed.
    kcatConsumer = spawn('kcat', ['-C', '-b', broker.bootstrap, '-t', 'console-lag', '-o', 'end', '-q', '-X', 'client.id=kcat-in-console'], { stdio: 'ignore' })
    trackProcess(kcatConsumer, 'kcat consumer')

    await page.goto(`${broker.httpUrl}#/clients`)
    const row = page.locator(`table[data-testid=clients] tr[data-software="${software}"]`)
    await row.waitFor({ timeout: 60_000 })
    expect(await row.locator('td').nth(0).textContent()).toBe('▸ librdkafka')
    expect(await row.locator('td').nth(1).textContent()).toBe(librdkafka)
    expect(Number(await page.locator(`[data-testid="connections-${software}"]`).textContent())).toBeGreaterThanOrEqual(1)
    // kafkajs sends no software name (ApiVersions v2): it is listed as unknown.
    await page.locator('table[data-testid=clients] tr[data-software="unknown/unknown"]').waitFor()

    await row.click()
    const connections = page.locator(`table[data-testid="connections-of-${software}"] tbody tr`)
    await connections.first().waitFor()
    const cells = await connections.first().locator('td').allTextContents()
    expect(cells[0]).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(cells.slice(1, 4)).toEqual(['kcat-in-console', 'User:ANONYMOUS', 'PLAINTEXT'])
    // Still open after the next refresh (every 2 s): the page keeps what the user opened.
    await page.waitForResponse((response) => response.url().endsWith('/api/clients'))
    await page.waitForResponse((response) => response.url().endsWith('/api/clients'))
    expect(await connections.count()).toBeGreaterThanOrEqual(1)
    await shot('12-clients')

    kcatConsumer.kill('SIGTERM')
    await row.waitFor({ state: 'detached', timeout: 60_000 })
    await page.locator('table[data-testid=clients] tr[data-software="unknown/unknown"]').waitFor()
    expect(pageErrors).toEqual([])
  }, 120_000)
})
