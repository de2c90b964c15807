// The message browser on a topic's page: read by partition from the newest, the oldest, an offset
// or a time (through the console API's records route), a live tail over the WebSocket stream, and
// a form to produce a test message (the REST Proxy's produce route). A record opens into a viewer
// with its value as text, pretty-printed JSON or hex, its key, headers and timestamp.
import { api, tailUrl } from '../lib/api.js'
import { asHex, asJson, asText, bestFormat, fromBase64, preview, toBase64 } from '../lib/codec.js'
import { errorBox, formatNumber, formatTime, h, openDialog, table, toast } from '../lib/dom.js'

const TAIL_LIMIT = 500

/** `onProduced` runs after the form produced a message (the page refreshes its figures). */
export function messagesTab(container, topicName, onProduced = () => undefined) {
  const partitionSelect = h('select', { 'aria-label': 'Partition', dataset: { testid: 'partition' } }, h('option', { value: 'all' }, 'All partitions'))
  const modeSelect = h('select', { 'aria-label': 'Start from', dataset: { testid: 'mode' } },
    h('option', { value: 'newest' }, 'Newest first'),
    h('option', { value: 'oldest' }, 'Oldest first'),
    h('option', { value: 'offset' }, 'From offset'),
    h('option', { value: 'time' }, 'From time'))
  const offsetInput = h('input', { type: 'number', min: 0, value: 0, style: 'width:120px', 'aria-label': 'Offset' })
  const timeInput = h('input', { type: 'datetime-local', step: 1, 'aria-label': 'Time' })
  const offsetLabel = h('label', 'Offset', offsetInput)
  const timeLabel = h('label', 'Time', timeInput)
  const limitSelect = h('select', { 'aria-label': 'Messages' }, [20, 50, 100, 500].map((n) => h('option', { value: n }, `${n}`)))
  const loadButton = h('button.primary', { type: 'submit' }, 'Load')
  const tailButton = h('button', { type: 'button', onclick: toggleTail, dataset: { testid: 'live-tail' } }, 'Live tail')
  const status = h('span.muted')
  const errorSlot = h('div', { style: 'padding:0 18px' })
  const results = h('div.table-scroll')

  const form = h('form.toolbar', { onsubmit: (e) => { e.preventDefault(); load() } },
    h('label', 'Partition', partitionSelect), h('label', 'Start', modeSelect), offsetLabel, timeLabel, h('label', 'Messages', limitSelect),
    loadButton, tailButton, h('span', { style: 'flex:1' }), status)
  container.replaceChildren(
    h('div.panel.flush',
      h('div.panel-head', h('h2', 'Messages'), h('span.spacer'), h('button', { onclick: produceDialog, dataset: { testid: 'produce' } }, 'Produce message')),
      form, errorSlot, results),
  )

  let partitions = []
  let tail = null
  let stopped = false

  function showInputs() {
    offsetLabel.hidden = modeSelect.value !== 'offset'
    timeLabel.hidden = modeSelect.value !== 'time'
  }
  modeSelect.addEventListener('change', showInputs)
  showInputs()
  const now = new Date(Date.now() - 3600_000 - new Date().getTimezoneOffset() * 60_000)
  timeInput.value = now.toISOString().slice(0, 19)

  async function init() {
    try {
      const topic = await api.topic(topicName)
      partitions = topic.partitionDetails
      for (const p of partitions) partitionSelect.append(h('option', { value: p.partition }, `Partition ${p.partition}`))
      await load()
    } catch (error) {
      errorSlot.replaceChildren(errorBox(error))
    }
  }

  /** The offset each chosen partition is read from, per the start mode. */
  async function startOffsets(chosen, limit) {
    const mode = modeSelect.value
    const starts = []
    for (const p of chosen) {
      const start = p.startOffset ?? 0
      const end = p.endOffset ?? 0
      if (mode === 'newest') starts.push([p.partition, Math.max(start, end - limit), end])
      else if (mode === 'oldest') starts.push([p.partition, start, end])
      else if (mode === 'offset') starts.push([p.partition, Math.max(start, Number(offsetInput.value)), end])
      else {
        const ms = new Date(timeInput.value).getTime()
        if (Number.isNaN(ms)) throw new Error('Pick a date and time to start from.')
        const found = await api.offsetForTime(topicName, p.partition, ms)
        if (found.offset !== null) starts.push([p.partition, found.offset, end])
      }
    }
    return starts
  }

  async function load() {
    if (tail) stopTail()
    loadButton.disabled = true
    status.textContent = 'Loading…'
    errorSlot.replaceChildren()
    try {
      const fresh = await api.topic(topicName)
      partitions = fresh.partitionDetails
      const limit = Number(limitSelect.value)
      const chosen = partitionSelect.value === 'all' ? partitions : partitions.filter((p) => p.partition === Number(partitionSelect.value))
      const records = []
      for (const [partition, from, end] of await startOffsets(chosen, limit)) {
        records.push(...(await readPartition(partition, from, end, limit)))
      }
      const newest = modeSelect.value === 'newest'
      records.sort((a, b) => (newest ? -1 : 1) * ((a.timestamp ?? 0) - (b.timestamp ?? 0) || a.offset - b.offset || a.partition - b.partition))
      const shown = records.slice(0, limit)
      render(shown, shown.length === 0 ? 'No messages here yet. Produce one, or start a live tail.' : undefined)
      status.textContent = `${formatNumber(shown.length)} message${shown.length === 1 ? '' : 's'}`
    } catch (error) {
      errorSlot.replaceChildren(errorBox(error))
      status.textContent = ''
    } finally {
      loadButton.disabled = false
    }
  }

  async function readPartition(partition, from, end, limit) {
    const out = []
    let offset = from
    for (let call = 0; call < 20 && out.length < limit && offset < end; call++) {
      const read = await api.records(topicName, partition, offset, limit - out.length)
      for (const record of read.records) out.push(normalize(record, partition))
      if (read.nextOffset <= offset) break
      offset = read.nextOffset
    }
    return out
  }

  let rows = []
  function render(records, empty = 'No messages yet. Waiting for new ones…') {
    rows = records
    results.replaceChildren(
      table(
        [
          { label: 'Partition', num: true, value: (r) => r.partition },
          { label: 'Offset', num: true, value: (r) => formatNumber(r.offset) },
          { label: 'Timestamp', class: 'nowrap mono', value: (r) => formatTime(r.timestamp) },
          { label: 'Key', value: (r) => (r.key === null ? h('span.muted', 'null') : h('div.preview', { style: 'max-width:180px' }, preview(r.key, 40))) },
          { label: 'Value', value: (r) => (r.value === null ? h('span.muted', 'null') : h('div.preview', preview(r.value))) },
          { label: 'Headers', num: true, value: (r) => (r.headers.length === 0 ? '–' : r.headers.length) },
        ],
        records,
        {
          empty,
          testId: 'messages',
          onRow: (record, tr) => {
            tr.classList.add('clickable')
            tr.addEventListener('click', () => toggleDetail(record, tr))
          },
        },
      ),
    )
  }

  function toggleDetail(record, tr) {
    const open = tr.nextElementSibling?.classList.contains('message-detail')
    if (open) {
      tr.nextElementSibling.remove()
      tr.classList.remove('selected')
      return
    }
    tr.classList.add('selected')
    tr.after(h('tr.message-detail', h('td', { colSpan: 6 }, viewer(record))))
  }

  function toggleTail() {
    if (tail) stopTail()
    else startTail()
  }

  function startTail() {
    const only = partitionSelect.value === 'all' ? null : Number(partitionSelect.value)
    const received = []
    let socket
    try {
      socket = new WebSocket(tailUrl(topicName, 'offset=latest&format=binary'))
    } catch (error) {
      errorSlot.replaceChildren(errorBox(error))
      return
    }
    tail = socket
    tailButton.textContent = 'Stop tail'
    tailButton.classList.add('primary')
    render([], 'Waiting for new messages…')
    status.replaceChildren(h('span.live-dot'), 'Live: connecting…')
    // The stream's first frame ("subscribed") says it reads from the end now.
    socket.addEventListener('open', () => status.replaceChildren(h('span.live-dot'), 'Live: connecting…'))
    socket.addEventListener('message', async (event) => {
      const text = typeof event.data === 'string' ? event.data : await event.data.text()
      let frame
      try {
        frame = JSON.parse(text)
      } catch {
        return
      }
      if (frame.type === 'error') {
        errorSlot.replaceChildren(errorBox(new Error(`Live tail: ${frame.message}`)))
        return
      }
      if (frame.type === 'subscribed' && received.length === 0) {
        status.replaceChildren(h('span.live-dot'), 'Live: waiting for new messages')
        return
      }
      const incoming = recordsOf(frame)
      for (const record of incoming) {
        if (only !== null && record.partition !== only) continue
        received.unshift(record)
      }
      if (received.length > TAIL_LIMIT) received.length = TAIL_LIMIT
      render(received)
      status.replaceChildren(h('span.live-dot'), `Live: ${formatNumber(received.length)} new message${received.length === 1 ? '' : 's'}`)
    })
    socket.addEventListener('close', (event) => {
      if (tail !== socket) return
      stopTail()
      if (!stopped && event.code !== 1000) errorSlot.replaceChildren(errorBox(new Error(`The live tail closed${event.reason ? `: ${event.reason}` : ` (code ${event.code})`}.`)))
    })
  }

  function stopTail() {
    const socket = tail
    tail = null
    socket?.close(1000)
    tailButton.textContent = 'Live tail'
    tailButton.classList.remove('primary')
    if (!stopped) status.textContent = `Tail stopped · ${formatNumber(rows.length)} messages`
  }

  function produceDialog() {
    const key = h('input', { placeholder: 'optional', autocomplete: 'off', dataset: { testid: 'produce-key' } })
    const value = h('textarea', { rows: 6, placeholder: '{"hello": "world"}', dataset: { testid: 'produce-value' } })
    const partition = h('select', h('option', { value: '' }, 'By key (or round robin)'), partitions.map((p) => h('option', { value: p.partition }, `Partition ${p.partition}`)))
    openDialog(`Produce to ${topicName}`, [
      h('div.form-row', h('label.grow', 'Key', key), h('label', 'Partition', partition)),
      h('div.form-row', h('label.grow', 'Value', value)),
    ], {
      submitLabel: 'Produce',
      async onSubmit() {
        const record = { key: key.value === '' ? null : toBase64(key.value), value: toBase64(value.value) }
        if (partition.value !== '') record.partition = Number(partition.value)
        const answer = await api.produce(topicName, record)
        const result = answer?.offsets?.[0]
        if (!result || result.error_code) throw new Error(result?.error ?? result?.message ?? 'The broker did not take the message.')
        toast(`Produced to partition ${result.partition} at offset ${result.offset}`)
        onProduced()
        if (!tail) {
          modeSelect.value = 'newest'
          showInputs()
          await load()
        }
      },
    })
    value.focus()
  }

  init()
  return () => {
    stopped = true
    if (tail) stopTail()
  }
}

/** A record from the REST Proxy or the WebSocket stream, with its key and value as bytes. */
function normalize(record, partition) {
  return {
    partition: record.partition ?? partition,
    offset: Number(record.offset),
    timestamp: record.timestamp === undefined || record.timestamp === null ? null : Number(record.timestamp),
    key: fromBase64(record.key ?? null),
    value: fromBase64(record.value ?? null),
    headers: headersOf(record.headers),
  }
}

/** Headers as [{ key, value: bytes }], from a list of {key|name, value(base64)} or an object. */
function headersOf(headers) {
  if (!headers) return []
  const list = Array.isArray(headers) ? headers : Object.entries(headers).map(([key, value]) => ({ key, value }))
  return list.map((header) => ({ key: header.key ?? header.name ?? '', value: fromBase64(header.value ?? null) }))
}

/** Records in one stream frame ({"type": "records", "records": [...]}); other frames carry none. */
function recordsOf(frame) {
  return Array.isArray(frame.records) ? frame.records.map((record) => normalize(record, record.partition)) : []
}

function viewer(record) {
  const formats = [['text', 'Text'], ['json', 'JSON'], ['hex', 'Hex']]
  let format = bestFormat(record.value)
  const body = h('pre', { dataset: { testid: 'message-value' } })
  const buttons = formats.map(([id, label]) => h('button', { type: 'button', onclick: () => show(id) }, label))
  function show(id) {
    format = id
    formats.forEach(([f], i) => buttons[i].classList.toggle('active', f === id))
    const bytes = record.value
    const text = bytes === null ? 'null' : id === 'json' ? (asJson(bytes) ?? 'This value is not JSON.') : id === 'hex' ? asHex(bytes) : (asText(bytes) ?? 'This value is not UTF-8 text; see Hex.')
    body.textContent = text
  }
  show(format)
  const keyText = record.key === null ? 'null' : (asText(record.key) ?? asHex(record.key))
  return h('div.viewer',
    h('div', h('h3', 'Value', h('span.segmented', buttons), h('span.muted', record.value === null ? '' : `${formatNumber(record.value.length)} bytes`)), body),
    h('div',
      h('h3', 'Record'),
      h('dl.kv',
        h('dt', 'Partition'), h('dd', record.partition),
        h('dt', 'Offset'), h('dd', record.offset),
        h('dt', 'Timestamp'), h('dd', record.timestamp === null ? '–' : [formatTime(record.timestamp), h('div.muted', `${record.timestamp} ms`)]),
        h('dt', 'Key'), h('dd', keyText)),
      h('h3', { style: 'margin-top:14px' }, 'Headers'),
      record.headers.length === 0
        ? h('p.muted', { style: 'margin:0' }, 'No headers')
        : h('dl.kv', record.headers.map((hd) => [h('dt', hd.key), h('dd', hd.value === null ? 'null' : (asText(hd.value) ?? asHex(hd.value)))]))),
  )
}
