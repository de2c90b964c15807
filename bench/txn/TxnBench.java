import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The load for bench:txn, with the Java client 3.9.1 against any broker (Samsa or Apache Kafka),
 * so both are driven by the same client code. Prints one tab-separated result line.
 *
 *   create <bootstrap> <topic> <partitions>
 *     Creates the topic (replication factor 1), so both brokers get the same partition count.
 *
 *   produce <bootstrap> <topic> transactional|plain <records> <records per txn> <record bytes>
 *     acks=all, the client's defaults otherwise (idempotence on, linger 5 ms, 16 KiB batches).
 *     transactional: one transaction per <records per txn> records, committed; plain: the same
 *     records without transactions. Prints  produce <mode> <records> <ms>
 *
 *   consume <bootstrap> <topic> <records> <passes>
 *     Reads every partition from the beginning until <records> records, <passes> times with
 *     read_uncommitted and <passes> times with read_committed, alternating, each pass with a new
 *     consumer in this one JVM (so both isolation levels run on the same warmed-up client).
 *     Prints   consume <isolation> <records> <ms>   per pass.
 */
public final class TxnBench {
  public static void main(String[] args) throws Exception {
    if (args[0].equals("create")) create(args[1], args[2], Integer.parseInt(args[3]));
    else if (args[0].equals("produce")) produce(args[1], args[2], args[3].equals("transactional"), Integer.parseInt(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]));
    else {
      // A first pass of each warms up the JIT and the broker's page cache; it is not reported.
      int records = Integer.parseInt(args[3]);
      consume(args[1], args[2], "read_uncommitted", records, false);
      consume(args[1], args[2], "read_committed", records, false);
      for (int pass = 0; pass < Integer.parseInt(args[4]); pass++) {
        boolean committedFirst = pass % 2 == 1;
        consume(args[1], args[2], committedFirst ? "read_committed" : "read_uncommitted", records, true);
        consume(args[1], args[2], committedFirst ? "read_uncommitted" : "read_committed", records, true);
      }
    }
  }

  static void create(String bootstrap, String topic, int partitions) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }
  }

  static void produce(String bootstrap, String topic, boolean transactional, int records, int perTxn, int size) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    if (transactional) props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-" + topic);
    byte[] value = new byte[size];
    for (int i = 0; i < size; i++) value[i] = (byte) ('a' + i % 26);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      if (transactional) producer.initTransactions();
      // Metadata and connections before the clock starts.
      producer.partitionsFor(topic);
      long started = System.nanoTime();
      for (int sent = 0; sent < records; ) {
        int batch = Math.min(perTxn, records - sent);
        if (transactional) producer.beginTransaction();
        for (int i = 0; i < batch; i++) producer.send(new ProducerRecord<>(topic, value));
        if (transactional) producer.commitTransaction();
        sent += batch;
      }
      producer.flush();
      long ms = (System.nanoTime() - started) / 1_000_000;
      System.out.println("produce\t" + (transactional ? "transactional" : "plain") + "\t" + records + "\t" + ms);
    }
  }

  static void consume(String bootstrap, String topic, String isolation, int records, boolean report) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo p : consumer.partitionsFor(topic)) partitions.add(new TopicPartition(topic, p.partition()));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long started = System.nanoTime();
      int seen = 0;
      while (seen < records) {
        ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(500));
        seen += polled.count();
        if ((System.nanoTime() - started) > 300_000_000_000L) throw new IllegalStateException("read " + seen + " of " + records + " in 300 s");
      }
      long ms = (System.nanoTime() - started) / 1_000_000;
      if (report) System.out.println("consume\t" + isolation + "\t" + seen + "\t" + ms);
    }
  }
}
