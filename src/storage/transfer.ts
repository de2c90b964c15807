/**
 * Sending read plans to a TCP socket without copying them through JavaScript: sendfile(2) from
 * the segment files straight into the socket that Node owns (Kafka's FileRecords.writeTo over a
 * PlaintextTransportLayer), with Node's own write path as the fallback.
 */
import type { Socket } from 'node:net'
import { TLSSocket } from 'node:tls'
import { writeHandlesToSocket, type ReadPlanHandle } from './native.js'
import { ReadPlan } from './read-plan.js'

interface StreamHandle {
  fd?: number
  writeQueueSize?: number
}

/**
 * The socket's file descriptor when bytes may be written to it directly: a plain TCP socket,
 * open, with nothing queued in Node or libuv (otherwise direct bytes would overtake them).
 */
function directFd(socket: Socket): number | undefined {
  if (socket instanceof TLSSocket || socket.destroyed || !socket.writable || socket.writableLength > 0) return undefined
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle
  const fd = handle?.fd
  if (typeof fd !== 'number' || fd < 0 || (handle?.writeQueueSize ?? 0) > 0) return undefined
  return fd
}

/**
 * Writes `parts` in order to the non-blocking socket `fd` (writev for Buffers, sendfile for read
 * plans) and returns the bytes written, stopping early without blocking when the socket's send
 * buffer is full. `skip` leaves out the first bytes of `parts` (those an earlier call wrote), so a
 * caller can go on with sendfile once the socket is writable again. The caller guarantees nothing
 * else is queued on that socket and sends the rest itself; `transferTo` does all of that for a
 * Node socket.
 */
export function writeToSocket(fd: number, parts: ReadonlyArray<Buffer | ReadPlan>, skip = 0): number {
  const native = parts.map((part) => (part instanceof ReadPlan ? (part.handle as ReadPlanHandle) : part))
  return writeHandlesToSocket(fd, native, skip)
}

function partLength(part: Buffer | ReadPlan): number {
  return Buffer.isBuffer(part) ? part.length : part.byteLength
}

/** Buffers covering `parts` from byte `skip` on (views of the mapped segments, no copies), at most `limit` bytes. */
function viewsFrom(parts: ReadonlyArray<Buffer | ReadPlan>, skip: number, limit = Infinity): Buffer[] {
  const out: Buffer[] = []
  let left = limit
  for (const part of parts) {
    if (left <= 0) break
    const length = partLength(part)
    if (skip >= length) {
      skip -= length
      continue
    }
    for (const buffer of Buffer.isBuffer(part) ? [part] : part.toBuffers()) {
      if (left <= 0) break
      if (skip >= buffer.length) {
        skip -= buffer.length
        continue
      }
      const view = buffer.subarray(skip, skip + Math.min(left, buffer.length - skip))
      skip = 0
      left -= view.length
      out.push(view)
    }
  }
  return out
}

function totalLength(parts: ReadonlyArray<Buffer | ReadPlan>): number {
  let total = 0
  for (let i = 0; i < parts.length; i++) total += partLength(parts[i]!)
  return total
}

/**
 * Writes `parts` (response bytes and read plans) to `socket` in order. When the socket is plain
 * TCP with nothing queued, the parts go out with writev/sendfile until the kernel's send buffer
 * is full (EAGAIN); whatever is left, or everything on a TLS socket or one with queued writes, is
 * handed to `socket.write` as zero-copy views of the mapped segments. Never blocks, and the
 * caller may write to the socket again at once (order is kept).
 *
 * Returns what `socket.write` would: false when the bytes queued in Node reached the socket's
 * high-water mark, so that the caller should wait for 'drain' before sending more (the event is
 * then guaranteed to come); true otherwise, including when everything went to the kernel.
 */
export function transferTo(socket: Socket, parts: ReadonlyArray<Buffer | ReadPlan>): boolean {
  let written = 0
  const fd = directFd(socket)
  if (fd !== undefined) {
    written = writeToSocket(fd, parts)
    if (written === totalLength(parts)) return true
  }
  let roomLeft = true
  for (const view of viewsFrom(parts, written)) roomLeft = socket.write(view)
  return roomLeft
}

/**
 * Bytes written through Node after sendfile met a full socket. Over 20 fetch rounds of the broker
 * bench each (2 cores, loopback), 64 KiB gave a median 0.19 broker CPU-s/GB against 0.215 for
 * copying the whole rest and 0.215 (mean 0.29, more wake-ups) for a 1-byte probe.
 */
const PROBE_BYTES = 64 * 1024

/**
 * Like transferTo, but keeps using sendfile when the socket's send buffer fills: only the next
 * PROBE_BYTES go through Node, whose write callback says the socket is writable again, and
 * sendfile goes on after them. Any write from user memory (even of an mmap view) copies every
 * byte into the socket buffer; `perf record` of the broker under bench/broker/produce-fetch showed
 * that copy as 40% of the broker's CPU during fetches when the whole rest of a response went
 * through Node after the first EAGAIN.
 *
 * Returns true when everything was handed on and the caller may write again; false when the
 * caller must write nothing to the socket until `onWritable` is called (once), since the rest of
 * these parts is still to go out directly. A failure (the peer went away, a segment was truncated
 * under the plan) destroys the socket: the response cannot be completed, and Kafka closes such a
 * connection too.
 */
export function transferResumable(socket: Socket, parts: ReadonlyArray<Buffer | ReadPlan>, onWritable: () => void): boolean {
  return resume(socket, parts, totalLength(parts), 0, onWritable)
}

function resume(socket: Socket, parts: ReadonlyArray<Buffer | ReadPlan>, total: number, sent: number, onWritable: () => void): boolean {
  try {
    const fd = directFd(socket)
    if (fd === undefined) {
      if (socket.destroyed) return true
      for (const view of viewsFrom(parts, sent)) socket.write(view)
      if (!socket.writableNeedDrain) return true
      socket.once('drain', onWritable)
      return false
    }
    sent += writeToSocket(fd, parts, sent)
    if (sent === total) return true
    const [probe] = viewsFrom(parts, sent, PROBE_BYTES)
    sent += probe!.length
    socket.write(probe!, (error) => {
      if (error !== undefined && error !== null) return
      if (sent === total || resume(socket, parts, total, sent, onWritable)) onWritable()
    })
    return false
  } catch (error) {
    socket.destroy(error as Error)
    return true
  }
}
