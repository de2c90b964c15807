// Small DOM helpers: build elements, tables and figures without a framework.

/**
 * h('button.primary', { onclick }, 'Save'): an element with classes from the tag, attributes or
 * properties (on* are listeners, dataset/hidden/value/... properties), and children (strings,
 * nodes, arrays; null and false are skipped). Text is always set as text, never parsed as HTML.
 */
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split('.')
  const el = document.createElement(name || 'div')
  if (classes.length > 0) el.className = classes.join(' ')
  if (attrs !== null && attrs !== undefined && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs)
  } else if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue
      if (key.startsWith('on')) el.addEventListener(key.slice(2), value)
      else if (key === 'class') el.className += (el.className ? ' ' : '') + value
      else if (key === 'dataset') Object.assign(el.dataset, value)
      else if (key in el && key !== 'list' && key !== 'form') el[key] = value
      else el.setAttribute(key, value === true ? '' : String(value))
    }
  }
  append(el, children)
  return el
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (Array.isArray(child)) append(el, child)
    else el.append(child instanceof Node ? child : String(child))
  }
}

/** An SVG element with attributes. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag)
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value))
  for (const child of children) if (child) el.append(child)
  return el
}

/**
 * A table: columns are { label, value(row) → node|text, num?: true, class? }; rows are objects.
 * `empty` is shown when there are no rows; `onRow(row, tr)` can decorate rows.
 */
export function table(columns, rows, { empty = 'Nothing here yet.', onRow, testId } = {}) {
  const head = h('thead', h('tr', columns.map((c) => h('th', { class: c.num ? 'num' : undefined }, c.label))))
  const body = h('tbody')
  if (rows.length === 0) body.append(h('tr', h('td.empty', { colSpan: columns.length }, empty)))
  for (const row of rows) {
    const tr = h('tr', columns.map((c) => h('td', { class: [c.num ? 'num' : '', c.class ?? ''].join(' ').trim() || undefined }, c.value(row))))
    if (onRow) onRow(row, tr)
    body.append(tr)
  }
  return h('table', { dataset: testId ? { testid: testId } : undefined }, head, body)
}

export function badge(text, kind = '') {
  return h(`span.badge${kind ? '.' + kind : ''}`, text)
}

/** A group or partition state as a coloured badge. */
export function stateBadge(state) {
  const kind = { Stable: 'ok', Empty: 'info', PreparingRebalance: 'warn', CompletingRebalance: 'warn', Dead: 'bad' }[state] ?? ''
  return badge(state, kind)
}

const numberFormat = new Intl.NumberFormat('en-US')
export function formatNumber(value) {
  return value === null || value === undefined ? '–' : numberFormat.format(value)
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return '–'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

export function formatRate(perSecond, unit = '/s') {
  if (perSecond === null || perSecond === undefined || Number.isNaN(perSecond)) return '–'
  if (perSecond < 10) return `${perSecond.toFixed(perSecond === 0 ? 0 : 1)}${unit}`
  return `${numberFormat.format(Math.round(perSecond))}${unit}`
}

/** A timestamp in ms as local date and time with milliseconds. */
export function formatTime(ms) {
  if (ms === null || ms === undefined || ms < 0) return '–'
  const d = new Date(ms)
  const pad = (n, w = 2) => String(n).padStart(w, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

/** A short-lived message in the corner (what a button just did). */
export function toast(message, kind = '') {
  const el = h(`div.toast${kind ? '.' + kind : ''}`, { role: 'status' }, message)
  document.getElementById('toasts').append(el)
  setTimeout(() => el.remove(), kind === 'bad' ? 8000 : 4000)
}

export function errorBox(error) {
  return h('div.error', { role: 'alert' }, error instanceof Error ? error.message : String(error))
}

/** A modal dialog with a form; resolves with the form's submit handler result, or null if cancelled. */
export function openDialog(title, fields, { submitLabel = 'Save', onSubmit }) {
  const errorSlot = h('div')
  const submit = h('button.primary', { type: 'submit' }, submitLabel)
  const dialog = h('dialog', h('form', { method: 'dialog' }, h('h2', title), errorSlot, fields, h('div.form-actions', h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'), submit)))
  dialog.querySelector('form').addEventListener('submit', async (event) => {
    event.preventDefault()
    submit.disabled = true
    errorSlot.replaceChildren()
    try {
      await onSubmit(dialog)
      dialog.close()
    } catch (error) {
      errorSlot.replaceChildren(errorBox(error))
    } finally {
      submit.disabled = false
    }
  })
  dialog.addEventListener('close', () => dialog.remove())
  document.body.append(dialog)
  dialog.showModal()
  return dialog
}
