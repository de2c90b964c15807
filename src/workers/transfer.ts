/**
 * How bytes cross between the event loop and the worker threads without being cloned.
 *
 * Structured cloning a `Uint8Array` copies its *whole* ArrayBuffer, so a 100-byte view into a
 * 100 MiB request frame would copy 100 MiB, and twice (serialise, deserialise). Transferring
 * moves the ArrayBuffer instead and costs nothing per byte (piscina on this box: 1 MiB cloned
 * p50 ≈ 151 µs, transferred ≈ 29 µs). Only an ArrayBuffer the view covers exactly can be moved
 * without taking unrelated bytes along (and, for Node's shared 8 KiB Buffer pool, without
 * breaking every other Buffer in it), so views into larger buffers are copied first: a copy of
 * just the view, once.
 *
 * Task payloads and results are walked two levels deep: the value itself, an array's elements,
 * an object's properties, and arrays held in those properties. That covers task shapes like
 * `{ codec, payloads: Uint8Array[] }` without a schema per task.
 */

/** True when `view` spans its entire, non-shared ArrayBuffer, so moving that buffer moves only it. */
export function ownsItsBuffer(view: Uint8Array): boolean {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer
}

/**
 * `view` itself if it owns its ArrayBuffer, otherwise a copy of exactly its bytes that does.
 * Throws for a view whose buffer was already moved away (sending it would fail inside the worker
 * with an opaque "Unable to deserialize cloned data").
 */
export function exclusive(view: Uint8Array): Uint8Array {
  if (view.byteLength === 0) {
    if (isDetached(view.buffer)) {
      throw new TypeError(
        'A payload was already moved to a worker thread (its ArrayBuffer is detached); pass a copy to send the same bytes twice.',
      )
    }
    return new Uint8Array(0)
  }
  if (ownsItsBuffer(view)) return view
  const copy = new Uint8Array(view.byteLength)
  copy.set(view)
  return copy
}

/**
 * Returns `value` with every Uint8Array made exclusive (see above) and adds their ArrayBuffers to
 * `transferList`. Objects and arrays that contain a replaced view are shallow-copied; the caller's
 * objects are never modified, but the caller's exclusive buffers are detached by the transfer.
 */
export function prepareTransfer<T>(value: T, transferList: Set<ArrayBuffer>, depth = 2): T {
  if (value instanceof Uint8Array) {
    const view = exclusive(value)
    transferList.add(view.buffer as ArrayBuffer)
    return view as T
  }
  if (depth === 0 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      const prepared = prepareTransfer(item, transferList, depth - 1)
      if (prepared !== item) {
        copy ??= value.slice()
        copy[i] = prepared
      }
    }
    return (copy ?? value) as T
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value
  let copy: Record<string, unknown> | undefined
  for (const [key, item] of Object.entries(value)) {
    const prepared = prepareTransfer(item, transferList, depth - 1)
    if (prepared !== item) {
      copy ??= { ...(value as Record<string, unknown>) }
      copy[key] = prepared
    }
  }
  return (copy ?? value) as T
}

/**
 * Turns the Uint8Arrays in a received value back into Buffers (views, no copy): postMessage
 * delivers a Buffer as a plain Uint8Array, and the rest of Samsa works with Buffers.
 */
export function restoreBuffers<T>(value: T, depth = 2): T {
  if (value instanceof Uint8Array) {
    return (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)) as T
  }
  if (depth === 0 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restoreBuffers(value[i], depth - 1)
    return value
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) record[key] = restoreBuffers(record[key], depth - 1)
  return value
}

/** Node 20 has no `ArrayBuffer.prototype.detached`; constructing a view over a detached buffer throws. */
function isDetached(buffer: ArrayBufferLike): boolean {
  if (buffer.byteLength !== 0) return false
  try {
    new Uint8Array(buffer)
    return false
  } catch {
    return true
  }
}
