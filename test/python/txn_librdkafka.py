"""
librdkafka's transactions (confluent-kafka for Python, installed by .ci/run) against Samsa; output
lines are tab-separated, as the Java programs' (test/integration/txn-clients.test.ts runs it).

  produce <bootstrap> <topic> <transactional.id> <group> <plan>
    One transaction per letter of <plan> ("c" commits, "a" aborts). Transaction i sends 10 records
    "t<i>-<j>" to partition j % partitions and, in the same transaction, offset 100 + i for <group>
    on <topic>-0 (send_offsets_to_transaction). After each one it prints
      txn <i> committed|aborted <group's committed offset on <topic>-0, or -1>
    read by a read_committed consumer (OffsetFetch with require_stable).

  consume <bootstrap> <topic> <expected> <idle seconds>
    A read_committed consumer of every partition from the beginning; prints
      record <partition> <offset> <value>   until <expected> records or <idle seconds> without one.
"""
import sys
import time

from confluent_kafka import Consumer, OFFSET_BEGINNING, Producer, TopicPartition


def produce(bootstrap, topic, transactional_id, group, plan):
    producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': transactional_id})
    offsets_reader = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'isolation.level': 'read_committed', 'enable.auto.commit': False})
    producer.init_transactions(30)
    partitions = len(producer.list_topics(topic, timeout=10).topics[topic].partitions)
    for i, step in enumerate(plan):
        producer.begin_transaction()
        for j in range(10):
            producer.produce(topic, key=f'k{j}', value=f't{i}-{j}', partition=j % partitions)
        producer.send_offsets_to_transaction([TopicPartition(topic, 0, 100 + i)], offsets_reader.consumer_group_metadata(), 30)
        if step == 'c':
            producer.commit_transaction(30)
        else:
            producer.abort_transaction(30)
        committed = offsets_reader.committed([TopicPartition(topic, 0)], timeout=30)[0].offset
        print(f"txn\t{i}\t{'committed' if step == 'c' else 'aborted'}\t{committed if committed >= 0 else -1}", flush=True)
    offsets_reader.close()


def consume(bootstrap, topic, expected, idle_seconds):
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'txn-librdkafka-reader', 'isolation.level': 'read_committed', 'enable.auto.commit': False})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    seen = 0
    last = time.monotonic()
    while seen < expected and time.monotonic() - last < idle_seconds:
        message = consumer.poll(0.2)
        if message is None or message.error() is not None:
            continue
        print(f"record\t{message.partition()}\t{message.offset()}\t{message.value().decode()}", flush=True)
        seen += 1
        last = time.monotonic()
    consumer.close()


if __name__ == '__main__':
    mode = sys.argv[1]
    if mode == 'produce':
        produce(*sys.argv[2:7])
    elif mode == 'consume':
        consume(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    else:
        raise SystemExit(f'unknown mode {mode}')
