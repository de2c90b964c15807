/**
 * What TLS costs: the broker benchmark (bench/broker/produce-fetch.ts: pipelined Produce of 64 KiB
 * batches, then Fetch of everything from offset 0) against a PLAINTEXT listener and against an
 * SSL listener, alternating, in the same run, and the difference in throughput and in broker
 * CPU-seconds per GB for each phase.
 *
 *   npm run build && npm run bench:tls -- [--rounds 2] [--records 2000000] [--partitions 8]
 *
 * A plaintext fetch goes out with sendfile (no copy through user space); a TLS fetch hands the
 * segments' mmap views to Node's TLS socket, which encrypts them with OpenSSL into its own
 * buffers (one copy, plus the cipher). The certificate (RSA 2048, TLS 1.3, AES-128-GCM as
 * OpenSSL negotiates with Node's client) is made with openssl for the run.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    records: { type: 'string', default: '2000000' },
    partitions: { type: 'string', default: '8' },
  },
})

const PRODUCE_FETCH = fileURLToPath(new URL('../broker/produce-fetch.js', import.meta.url))

interface Phase {
  readonly mbPerSecond: number
  readonly cpuSecondsPerGb: number
}

/** A CA and a server key store for 127.0.0.1/localhost, in a temporary directory. */
function makeCertificates(): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-tls-'))
  const openssl = (...a: string[]): void => {
    execFileSync('openssl', a, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  }
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=bench CA')
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost')
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext')
  writeFileSync(join(dir, 'server.keystore.pem'), readFileSync(join(dir, 'server.key'), 'utf8') + readFileSync(join(dir, 'server.crt'), 'utf8'))
  return dir
}

function run(extra: string[]): Promise<{ produce: Phase; fetch: Phase }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PRODUCE_FETCH, '--records', args.records, '--partitions', args.partitions, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`produce-fetch exited with ${code}:\n${out}`))
      const phase = (name: string): Phase => {
        const line = out.split('\n').find((l) => l.startsWith(name))
        const mb = /([\d.]+) MB\/s/.exec(line ?? '')
        const cpu = /= ([\d.]+) CPU-s\/GB/.exec(line ?? '')
        if (mb === null || cpu === null) throw new Error(`no ${name} line in:\n${out}`)
        return { mbPerSecond: Number(mb[1]), cpuSecondsPerGb: Number(cpu[1]) }
      }
      resolve({ produce: phase('produce'), fetch: phase('fetch') })
    })
  })
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const dir = makeCertificates()
try {
  const rounds = Number(args.rounds)
  const results: Record<'PLAINTEXT' | 'SSL', Array<{ produce: Phase; fetch: Phase }>> = { PLAINTEXT: [], SSL: [] }
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  for (let round = 0; round < rounds; round++) {
    // Alternating, so a change in the machine's load falls on both alike.
    results.PLAINTEXT.push(await run([]))
    results.SSL.push(await run(['--ssl-dir', dir]))
    console.log(`round ${round + 1}/${rounds} done`)
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  console.log(`\nmedian of ${rounds} rounds, ${Number(args.records).toLocaleString('en')} records of 100 bytes, ${args.partitions} partitions`)
  console.log('listener    produce MB/s  produce CPU-s/GB  fetch MB/s  fetch CPU-s/GB')
  const summary = (name: 'PLAINTEXT' | 'SSL') => {
    const r = results[name]
    return {
      produceMb: median(r.map((x) => x.produce.mbPerSecond)),
      produceCpu: median(r.map((x) => x.produce.cpuSecondsPerGb)),
      fetchMb: median(r.map((x) => x.fetch.mbPerSecond)),
      fetchCpu: median(r.map((x) => x.fetch.cpuSecondsPerGb)),
    }
  }
  const plain = summary('PLAINTEXT')
  const tls = summary('SSL')
  for (const [name, s] of [['PLAINTEXT', plain], ['SSL', tls]] as const) {
    console.log(`${name.padEnd(10)}  ${s.produceMb.toFixed(1).padStart(12)}  ${s.produceCpu.toFixed(2).padStart(16)}  ${s.fetchMb.toFixed(1).padStart(10)}  ${s.fetchCpu.toFixed(2).padStart(14)}`)
  }
  console.log(
    `\nSSL against PLAINTEXT: produce ${(tls.produceMb / plain.produceMb * 100).toFixed(0)}% of the throughput at ${(tls.produceCpu / plain.produceCpu).toFixed(2)}x the CPU per GB; ` +
      `fetch ${(tls.fetchMb / plain.fetchMb * 100).toFixed(0)}% of the throughput at ${(tls.fetchCpu / plain.fetchCpu).toFixed(2)}x the CPU per GB`,
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
