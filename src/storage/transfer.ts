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

/**
 * Writes `parts` (response bytes and read plans) to `socket` in order. When the socket is plain
 * TCP with nothing queued, the parts go out with writev/sendfile until the kernel's send buffer
 * is full (EAGAIN); whatever is left, or everything on a TLS socket or one with queued writes, is
 * handed to `socket.write` as zero-copy views of the mapped segments. Never blocks.
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
    if (written === parts.reduce((sum, part) => sum + partLength(part), 0)) return true
  }
  let skip = written
  let roomLeft = true
  for (const part of parts) {
    const buffers = Buffer.isBuffer(part) ? [part] : part.toBuffers()
    for (const buffer of buffers) {
      if (skip >= buffer.length) {
        skip -= buffer.length
        continue
      }
      roomLeft = socket.write(skip > 0 ? buffer.subarray(skip) : buffer)
      skip = 0
    }
  }
  return roomLeft
}
