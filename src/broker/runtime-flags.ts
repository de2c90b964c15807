/**
 * The Node (V8) flags a broker process is meant to run with. They size and schedule V8's
 * garbage collector and can only be given when the process starts, so they belong to whatever
 * launches the broker: `npm start`, the benchmark harness's embedded broker, a service unit.
 *
 * - `--max-semi-space-size=2` (MiB; V8's default lets the young generation grow to 16 MiB).
 *   The broker's own heap is small (about 8 MiB live: records are never decoded into objects),
 *   and once the young generation had grown larger than the old generation's headroom, V8 ran a
 *   full mark-compact every ~150 ms instead of scavenges: at 430 k msg/s (small-records at a
 *   fixed rate, 2-core VM) 50 mark-compacts in 6 s, pauses 3-7 ms, 2-3 % of the time paused.
 *   With 2 MiB semi-spaces: scavenges only, 0.5-0.9 ms each, 1 % of the time.
 * - `--single-threaded-gc`: no parallel or concurrent GC helper threads. The heap is too small
 *   for helpers to pay off, and on a machine whose cores are busy (the broker shares them with
 *   producers and consumers) a pause that waits for a descheduled helper grows: mark-compact
 *   pauses fell from p50 3.0 / max 6.9 ms to 1.6 / 4.1 ms, and the helpers no longer take CPU
 *   from the process's neighbours.
 *
 * Together, on the same workload: end-to-end p99 10-11 → 5 ms, broker CPU 0.32-0.35 → 0.24-0.27
 * cores; at the maximum rate 1.26-1.73 → 1.74-1.85 M msg/s with 0.53-0.57 instead of 0.63-0.72
 * broker cores (bench/harness, `--rate 430000` and `--rate max`, 15 s each, 2 runs per setting).
 */
export const BROKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--single-threaded-gc']
