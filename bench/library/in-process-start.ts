/**
 * One in-process start, in a fresh node process (run by startup.ts): imports samsa, then times
 * startBroker() to the first acknowledged produce (acks=all, a topic auto-created by it), and
 * prints one JSON line with the times and this process's memory. Not meant to be run by hand.
 */
import { performance } from 'node:perf_hooks'

const rssBefore = process.memoryUsage().rss
const importStart = performance.now()
const { startBroker } = await import('../../src/index.js')
const { Producer } = await import('../../src/client/index.js')
const imported = performance.now()

const broker = await startBroker()
const started = performance.now()
const producer = new Producer({ bootstrapServers: broker.bootstrapServers }, { acks: -1, lingerMs: 0, pool: null })
await producer.send('startup', [{ value: 'first' }])
const acknowledged = performance.now()
const rss = process.memoryUsage().rss
await producer.close()
await broker.close()

process.stdout.write(
  JSON.stringify({
    importMs: imported - importStart,
    startMs: started - imported,
    toFirstAckMs: acknowledged - imported,
    rssBytes: rss,
    rssBeforeImportBytes: rssBefore,
  }) + '\n',
)
