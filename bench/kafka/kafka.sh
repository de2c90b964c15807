#!/usr/bin/env bash
# Runs Apache Kafka 3.9 (KRaft) on loopback for comparisons with Samsa: one broker by default
# (broker and controller in one process), or a cluster of N brokers. Jars come from Maven
# Central through bench/kafka/pom.xml (copied once into bench/kafka/target/lib, which git
# ignores); the data directories are fresh on every start and removed on exit.
#
#   npm run bench:kafka                 # one broker on 29092; Ctrl-C stops it
#   npm run bench:kafka -- --port 29192 # another port (the controller listens on port + 1)
#   npm run bench:kafka -- --brokers 3  # brokers on 29092-29094, the controller on 29095
#   npm run bench:kafka -- --work DIR    # keep the data in DIR (formatted on first use), to restart on it
#   npm run bench:kafka -- --sasl-ssl    # one broker with a SASL_SSL listener as well (SCRAM-SHA-512, user
#                                        # admin / admin-secret, self-signed certificate: CA in the data dir)
#
# With --brokers N, broker 1 is also the cluster's only KRaft controller (combined mode) and the
# others are brokers only. Why not a dedicated controller process: on the small machines these
# benchmarks run on, a fourth JVM would take CPU and memory from the brokers being measured,
# while the controller's steady-state work (heartbeats, a few metadata records) is the same
# wherever it runs; Samsa's cluster, which this is compared with, likewise runs its controller
# inside one of its three brokers (with one etcd member beside them). --brokers N > 1 waits
# until every broker is unfenced (listed in Metadata), which needs `npm run build:ts` first.
#
# JVM settings are those of Kafka's own kafka-server-start.sh (1 GiB heap per broker, G1 with a
# 20 ms pause target), so the comparison is with Kafka as it ships.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port=29092
brokers=1
work=""
sasl_ssl=0
while (($#)); do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --brokers) brokers="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --sasl-ssl) sasl_ssl=1; shift ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "kafka.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ "$brokers" =~ ^[1-9][0-9]*$ ]] || { echo "kafka.sh: --brokers takes a positive whole number, not '$brokers'" >&2; exit 2; }
controller_port=$((port + brokers))
replication=$((brokers < 3 ? brokers : 3))
min_isr=$((replication < 2 ? replication : 2))

command -v java >/dev/null || { echo "kafka.sh: java is missing: apt-get install -y openjdk-17-jre-headless" >&2; exit 1; }
if ((brokers > 1)) && [[ ! -f "$root/dist/bench/kafka/wait-brokers.js" ]]; then
  echo "kafka.sh: --brokers $brokers needs the compiled helpers: npm run build:ts" >&2; exit 1
fi
if [[ ! -f "$here/target/lib/.complete" ]]; then
  command -v mvn >/dev/null || { echo "kafka.sh: mvn is missing: apt-get install -y maven" >&2; exit 1; }
  echo "kafka.sh: fetching Kafka's jars from Maven Central into bench/kafka/target/lib" >&2
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$here/target/lib"
  touch "$here/target/lib/.complete"
fi

keep_work=1
if [[ -z "$work" ]]; then
  work="$(mktemp -d "${TMPDIR:-/tmp}/samsa-bench-kafka-XXXXXX")"
  keep_work=0
fi
classpath="$here/target/lib/*"
java_opts=(-Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
  -Djava.awt.headless=true "-Dlog4j.configuration=file:$here/log4j.properties")
cluster_id=""

pids=()
cleanup() {
  # Kafka exits non-zero on SIGTERM; that must not stop the cleanup (set -e).
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  ((keep_work)) || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# SASL_SSL as an operator sets it up: a PEM key store (key and self-signed certificate in one
# file), SCRAM-SHA-512 with the admin's credential written by `kafka-storage format --add-scram`.
sasl_port=$((controller_port + 1))
sasl_props=""
format_scram=()
if ((sasl_ssl)); then
  ((brokers == 1)) || { echo "kafka.sh: --sasl-ssl runs one broker" >&2; exit 2; }
  mkdir -p "$work/tls"
  if [[ ! -f "$work/tls/keystore.pem" ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$work/tls/key.pem" -out "$work/tls/ca.pem" 2>/dev/null
    cat "$work/tls/key.pem" "$work/tls/ca.pem" > "$work/tls/keystore.pem"
  fi
  sasl_props="sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PEM
ssl.keystore.location=$work/tls/keystore.pem"
  format_scram=(--add-scram 'SCRAM-SHA-512=[name=admin,password=admin-secret]')
fi

bootstrap=""
for node in $(seq 1 "$brokers"); do
  node_port=$((port + node - 1))
  bootstrap="${bootstrap:+$bootstrap,}127.0.0.1:${node_port}"
  if ((node == 1)); then
    roles="broker,controller"
    listeners="PLAINTEXT://127.0.0.1:${node_port},CONTROLLER://127.0.0.1:${controller_port}"
    ((sasl_ssl)) && listeners="${listeners},SASL_SSL://127.0.0.1:${sasl_port}"
  else
    roles="broker"
    listeners="PLAINTEXT://127.0.0.1:${node_port}"
  fi
  mkdir -p "$work/node-$node"
  cat > "$work/node-$node/server.properties" <<PROPS
process.roles=${roles}
node.id=${node}
controller.quorum.voters=1@127.0.0.1:${controller_port}
listeners=${listeners}
advertised.listeners=PLAINTEXT://127.0.0.1:${node_port}$( ((sasl_ssl)) && echo ",SASL_SSL://127.0.0.1:${sasl_port}")
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
${sasl_props}
log.dirs=${work}/node-${node}/data
offsets.topic.replication.factor=${replication}
transaction.state.log.replication.factor=${replication}
transaction.state.log.min.isr=${min_isr}
group.initial.rebalance.delay.ms=0
PROPS
  # A kept data directory (--work) is formatted once and restarted on as it is.
  if [[ ! -f "$work/node-$node/data/meta.properties" ]]; then
    [[ -n "$cluster_id" ]] || cluster_id="$(java -cp "$classpath" "${java_opts[@]}" kafka.tools.StorageTool random-uuid)"
    java -cp "$classpath" "${java_opts[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$work/node-$node/server.properties" "${format_scram[@]}" >/dev/null
  fi
  java -cp "$classpath" "${java_opts[@]}" kafka.Kafka "$work/node-$node/server.properties" &
  pids+=($!)
done

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 1 600); do
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "kafka.sh: a Kafka process exited before it was ready" >&2; exit 1; }
  done
  all=1
  for node in $(seq 1 "$brokers"); do listening $((port + node - 1)) || { all=0; break; }; done
  if ((all)); then
    if ((brokers == 1)); then
      echo "kafka: Apache Kafka 3.9 ready on 127.0.0.1:${port} (pid ${pids[0]}, data dir ${work}/node-1/data)"
      echo "kafka: measure it with: npm run bench -- --compare 127.0.0.1:${port} --compare-label kafka"
      ((sasl_ssl)) && echo "kafka: SASL_SSL on 127.0.0.1:${sasl_port} (SCRAM-SHA-512 admin/admin-secret, CA ${work}/tls/ca.pem)"
    else
      node "$root/dist/bench/kafka/wait-brokers.js" "$bootstrap" "$brokers" 120 || exit 1
      echo "kafka: Apache Kafka 3.9 cluster of ${brokers} brokers ready on ${bootstrap} (controller: node 1, on 127.0.0.1:${controller_port}; data under ${work})"
      echo "kafka: pids ${pids[*]}"
      echo "kafka: measure it with: npm run bench -- --bootstrap ${bootstrap%%,*} --replication-factor ${replication} --acks all"
    fi
    # The first process to exit ends the run; the trap stops the others.
    wait -n "${pids[@]}"
    exit $?
  fi
  sleep 0.1
done
echo "kafka.sh: Kafka did not listen on ${bootstrap} within 60 s" >&2
exit 1
