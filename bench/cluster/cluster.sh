#!/usr/bin/env bash
# Replication's cost on this machine: 3 Samsa brokers (one etcd, `samsa cluster up`), a topic of
# replication factor 3 written with acks=all, against one broker written with acks=1, in the same
# run, with the harness's small-records workload (100-byte records, 8 partitions, max rate) and
# its half-rate companion (the latency at half of the cluster's own maximum). Also the brokers'
# CPU seconds per GB written, summed over the three processes. Last, the same acks=1 workload on
# the three brokers without replication (replication factor 1): what spreading partitions over
# several broker processes gives a machine whose one broker cannot use every core.
#
#   npm run bench:cluster                      # 20 s per run
#   DURATION=60s npm run bench:cluster
#   COMPARE_KAFKA=1 npm run bench:cluster      # also Apache Kafka 3.9, three brokers, same workloads
#
# With COMPARE_KAFKA=1, once Samsa's runs are done and its cluster stopped, a three-broker Kafka
# cluster (bench/kafka/kafka.sh --brokers 3, KRaft, on KAFKA_PORT, default 29392-29395) takes the
# same RF=3 acks=all workloads, alone on the machine as Samsa's cluster was, and the summary puts
# both side by side (throughput, CPU per GB, e2e latency at each one's own half rate).
#
# The results (harness JSON and HTML for each) go to bench/results/cluster-<time>/.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
duration="${DURATION:-20s}"
base_port="${BASE_PORT:-19292}"
etcd_port="${ETCD_PORT:-23890}"
kafka_port="${KAFKA_PORT:-29392}"
compare_kafka="${COMPARE_KAFKA:-0}"
out="bench/results/cluster-$(date +%Y%m%d-%H%M%S)"
work="$(mktemp -d "${TMPDIR:-/tmp}/samsa-bench-cluster-XXXXXX")"
mkdir -p "$out"

node dist/src/cli/main.js cluster up --brokers 3 --base-port "$base_port" --http-base-port 0 --etcd-port "$etcd_port" --data-dir "$work" > "$out/cluster.log" 2>&1 &
up=$!
kafka=""
stop_samsa() {
  kill -INT "$up" 2>/dev/null || true
  wait "$up" 2>/dev/null || true
}
stop_kafka() {
  [[ -z "$kafka" ]] && return 0
  kill -TERM "$kafka" 2>/dev/null || true
  wait "$kafka" 2>/dev/null || true
}
cleanup() {
  stop_samsa
  stop_kafka
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  grep -q '^Bootstrap servers' "$out/cluster.log" && break
  kill -0 "$up" 2>/dev/null || { cat "$out/cluster.log" >&2; exit 1; }
  sleep 0.5
done
grep -q '^Bootstrap servers' "$out/cluster.log" || { echo "cluster.sh: the cluster did not start; see $out/cluster.log" >&2; exit 1; }
pids=$(sed -n 's/^  broker [0-9]* .* pid \([0-9]*\) .*/\1/p' "$out/cluster.log" | tr '\n' ' ')

# CPU seconds (user + system) of the given processes so far.
cpu_seconds() {
  local ticks=0 pid
  for pid in "$@"; do
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t / hz }'
}

harness() { node --single-threaded-gc dist/bench/harness/main.js --warmup 5s --duration "$duration" "$@"; }

echo "== one broker, acks=1 (the baseline)"
harness --preset small-records --acks 1 --label 'samsa 1 broker acks=1' --out "$out/single"
echo "== three brokers, replication factor 3, acks=all"
before=$(cpu_seconds $pids)
harness --preset small-records,small-records-half-rate --acks all --replication-factor 3 \
  --bootstrap "127.0.0.1:$base_port" --label 'samsa 3 brokers RF=3 acks=all' --out "$out/cluster"
after=$(cpu_seconds $pids)
samsa_cpu=$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.3f", a - b }')
echo "== three brokers, replication factor 1, acks=1 (partitions spread over the brokers)"
harness --preset small-records --acks 1 --replication-factor 1 \
  --bootstrap "127.0.0.1:$base_port" --label 'samsa 3 brokers RF=1 acks=1' --out "$out/spread"

kafka_args=()
if [[ "$compare_kafka" == 1 ]]; then
  # Samsa's cluster goes first, so Kafka's JVMs run alone as Samsa's brokers did.
  stop_samsa
  echo "== Apache Kafka 3.9, three brokers, replication factor 3, acks=all"
  bash bench/kafka/kafka.sh --brokers 3 --port "$kafka_port" > "$out/kafka.log" 2>&1 &
  kafka=$!
  for _ in $(seq 1 240); do
    grep -q '^kafka: pids' "$out/kafka.log" && break
    kill -0 "$kafka" 2>/dev/null || { cat "$out/kafka.log" >&2; exit 1; }
    sleep 0.5
  done
  grep -q '^kafka: pids' "$out/kafka.log" || { echo "cluster.sh: Kafka did not start; see $out/kafka.log" >&2; exit 1; }
  kafka_pids=$(sed -n 's/^kafka: pids //p' "$out/kafka.log")
  before=$(cpu_seconds $kafka_pids)
  harness --preset small-records,small-records-half-rate --acks all --replication-factor 3 \
    --bootstrap "127.0.0.1:$kafka_port" --label 'kafka 3 brokers RF=3 acks=all' --out "$out/kafka"
  after=$(cpu_seconds $kafka_pids)
  kafka_args=("$out/kafka" "$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.3f", a - b }')")
fi

node dist/bench/cluster/summary.js "$out/single" "$out/cluster" "$out/spread" "$samsa_cpu" "${kafka_args[@]}"
