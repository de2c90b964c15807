/** CRC-32C of a 1 MiB buffer through the addon (hardware accelerated where the CPU has it). */
import { crc32c } from '../../../src/storage/native.js'
import { type MicroBenchFile, runBenchFile } from '../micro-bench.js'

const data = Buffer.alloc(1024 * 1024)
for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff

const file: MicroBenchFile = {
  benches: [
    {
      name: 'crc32c 1 MiB',
      bytesPerOp: data.length,
      check: () => {
        // The standard check value of CRC-32C ("123456789" → 0xe3069283).
        if (crc32c(Buffer.from('123456789')) !== 0xe3069283) throw new Error('crc32c check value mismatch')
      },
      fn: () => crc32c(data),
    },
  ],
}
await runBenchFile(file)
