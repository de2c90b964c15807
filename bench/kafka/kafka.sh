#!/usr/bin/env bash
# Runs a single Apache Kafka 3.9 broker (KRaft, broker and controller in one process) on
# loopback, for `npm run bench -- --compare 127.0.0.1:29092`. Jars come from Maven Central
# through bench/kafka/pom.xml (copied once into bench/kafka/target/lib, which git ignores); the
# data directory is fresh on every start and removed on exit.
#
#   npm run bench:kafka                 # foreground; Ctrl-C stops it
#   npm run bench:kafka -- --port 29192 # another port (the controller listens on port + 1)
#
# JVM settings are those of Kafka's own kafka-server-start.sh (1 GiB heap, G1 with 20 ms pause
# target), so the comparison is with Kafka as it ships.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port=29092
while (($#)); do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "kafka.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
controller_port=$((port + 1))

command -v java >/dev/null || { echo "kafka.sh: java is missing: apt-get install -y openjdk-17-jre-headless" >&2; exit 1; }
if [[ ! -f "$here/target/lib/.complete" ]]; then
  command -v mvn >/dev/null || { echo "kafka.sh: mvn is missing: apt-get install -y maven" >&2; exit 1; }
  echo "kafka.sh: fetching Kafka's jars from Maven Central into bench/kafka/target/lib" >&2
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$here/target/lib"
  touch "$here/target/lib/.complete"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/samsa-bench-kafka-XXXXXX")"
cat > "$work/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controller_port}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${work}/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS

classpath="$here/target/lib/*"
java_opts=(-Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
  -Djava.awt.headless=true "-Dlog4j.configuration=file:$here/log4j.properties")
cluster_id="$(java -cp "$classpath" "${java_opts[@]}" kafka.tools.StorageTool random-uuid)"
java -cp "$classpath" "${java_opts[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$work/server.properties" >/dev/null

java -cp "$classpath" "${java_opts[@]}" kafka.Kafka "$work/server.properties" &
pid=$!
cleanup() {
  # Kafka exits non-zero on SIGTERM; that must not stop the cleanup (set -e).
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 120); do
  if ! kill -0 "$pid" 2>/dev/null; then echo "kafka.sh: Kafka exited before it was ready" >&2; exit 1; fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "kafka: Apache Kafka 3.9 ready on 127.0.0.1:${port} (pid ${pid}, data dir ${work}/data)"
    echo "kafka: measure it with: npm run bench -- --compare 127.0.0.1:${port} --compare-label kafka"
    wait "$pid"
    exit $?
  fi
  sleep 0.5
done
echo "kafka.sh: Kafka did not listen on 127.0.0.1:${port} within 60 s" >&2
exit 1
