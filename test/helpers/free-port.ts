/**
 * Test helper: a TCP port that was free a moment ago on 127.0.0.1, for servers that cannot be
 * told "port 0" (the HTTP gateway treats --http-port 0 as "off"). The kernel hands out ephemeral
 * ports in rotation, so another process taking it before the broker binds is very unlikely.
 */
import { createServer } from 'node:net'

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
