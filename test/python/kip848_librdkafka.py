"""
librdkafka (confluent-kafka for Python) as a KIP-848 group member, for
test/integration/kip848-librdkafka.test.ts: joins with group.protocol=consumer, subscribes by
topic name or by regex (a subscription starting with ^), consumes until it has read `count`
records or `timeout` seconds pass, commits synchronously, and prints one JSON line: the
partitions it was assigned, the values it read, and every error librdkafka reported to the
application (error callback and consume errors), so a refusal shows up as the user would see it.

  python3 kip848_librdkafka.py <bootstrap> <group> <subscription> <count> <timeout-seconds> [extra-config-json]
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException

bootstrap, group, subscription, count, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
extra = json.loads(sys.argv[6]) if len(sys.argv) > 6 else {}
errors = []
assigned = []
fatal = []


def on_error(err):
    errors.append(str(err))
    if err.fatal():
        fatal.append(err)


def on_assign(consumer, partitions):
    assigned.extend(f"{p.topic}:{p.partition}" for p in partitions)


consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "group.protocol": "consumer",
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "error_cb": on_error,
    **extra,
})
consumer.subscribe([subscription], on_assign=on_assign)
values = []
deadline = time.time() + timeout
while len(values) < count and time.time() < deadline and not fatal:
    message = consumer.poll(0.2)
    if message is None:
        continue
    if message.error():
        errors.append(str(message.error()))
        if message.error().fatal():
            break
        continue
    values.append(message.value().decode())
    try:
        consumer.commit(message=message, asynchronous=False)
    except KafkaException as e:
        errors.append(str(e))
consumer.close()
print(json.dumps({"assigned": sorted(set(assigned)), "values": values, "errors": errors}))
