import java.io.FileReader;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Java client's default producer and a consumer, driven by test/integration/java-client.test.ts
 * against a Samsa broker. Output is one line per fact, tab-separated, for the test to check.
 *
 *   produce <bootstrap> <topic> <count> <keys>   default KafkaProducer (idempotence on, acks=all)
 *   consume <bootstrap> <topic> <count>          assign every partition, read from the beginning
 *   offsets-for-times <bootstrap> <topic> <ts>   KafkaConsumer.offsetsForTimes
 *   produce-paced <bootstrap> <topic> <count> <ms>  one record every <ms>, each awaited
 *   produce-one <bootstrap> <topic> <key|-> <valueBytes>  one record (- for no key): where it was
 *       written, or the exception the application got, whether it is retriable and how long it took
 *
 * SAMSA_CLIENT_CONFIG, when set, names a properties file whose entries are added to every
 * client's (security.protocol, sasl.mechanism, sasl.jaas.config for the SASL tests).
 */
public final class SamsaJavaClient {
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "produce" -> produce(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
      case "consume" -> consume(args[1], args[2], Integer.parseInt(args[3]));
      case "offsets-for-times" -> offsetsForTimes(args[1], args[2], Long.parseLong(args[3]));
      case "produce-one" -> produceOne(args[1], args[2], args[3].equals("-") ? null : args[3], Integer.parseInt(args[4]));
      case "produce-paced" -> producePaced(args[1], args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  /** The client settings from SAMSA_CLIENT_CONFIG (security), or none. */
  private static Properties base() {
    Properties props = new Properties();
    String file = System.getenv("SAMSA_CLIENT_CONFIG");
    if (file != null && !file.isEmpty()) {
      try (FileReader reader = new FileReader(file)) {
        props.load(reader);
      } catch (IOException e) {
        throw new RuntimeException("cannot read " + file, e);
      }
    }
    return props;
  }

  /** Sends one record at a time, each acknowledged before the next, for tests that span time. */
  private static void producePaced(String bootstrap, String topic, int count, long intervalMs) throws Exception {
    Properties props = base();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < count; i++) {
        RecordMetadata metadata = producer.send(new ProducerRecord<>(topic, "value-" + i)).get();
        System.out.println("sent\tvalue-" + i + "\t" + metadata.partition() + "\t" + metadata.offset());
        Thread.sleep(intervalMs);
      }
    }
  }

  /** Only what a user must set: the producer's defaults are what this test is about. */
  private static void produce(String bootstrap, String topic, int count, int keys) throws Exception {
    Properties props = base();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      ProducerConfig effective = new ProducerConfig(props);
      System.out.println("config\t" + effective.getBoolean(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG) + "\t" + effective.getString(ProducerConfig.ACKS_CONFIG));
      List<Future<RecordMetadata>> sent = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, "key-" + (i % keys), "value-" + i);
        record.headers().add("index", Integer.toString(i).getBytes());
        sent.add(producer.send(record));
      }
      producer.flush();
      for (int i = 0; i < count; i++) {
        RecordMetadata metadata = sent.get(i).get();
        System.out.println("sent\tvalue-" + i + "\t" + metadata.partition() + "\t" + metadata.offset());
      }
    }
  }

  private static void produceOne(String bootstrap, String topic, String key, int valueBytes) throws Exception {
    Properties props = base();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    // Random letters, so the size the broker checks is the size asked for whatever the codec.
    StringBuilder value = new StringBuilder(valueBytes);
    java.util.Random random = new java.util.Random(valueBytes);
    for (int i = 0; i < valueBytes; i++) value.append((char) ('a' + random.nextInt(26)));
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      long started = System.nanoTime();
      try {
        RecordMetadata metadata = producer.send(new ProducerRecord<>(topic, key, value.toString())).get();
        System.out.println("sent\t" + metadata.partition() + "\t" + metadata.offset());
      } catch (java.util.concurrent.ExecutionException e) {
        Throwable cause = e.getCause();
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        boolean retriable = cause instanceof org.apache.kafka.common.errors.RetriableException;
        System.out.println("error\t" + cause.getClass().getSimpleName() + "\t" + retriable + "\t" + elapsedMs + "\t" + cause.getMessage());
      }
    }
  }

  private static KafkaConsumer<String, String> consumer(String bootstrap) {
    Properties props = base();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    // No group: partitions are assigned by hand, positions are not committed.
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    return new KafkaConsumer<>(props);
  }

  private static List<TopicPartition> partitions(KafkaConsumer<String, String> consumer, String topic) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (PartitionInfo info : consumer.partitionsFor(topic)) partitions.add(new TopicPartition(topic, info.partition()));
    return partitions;
  }

  private static void consume(String bootstrap, String topic, int count) throws java.io.IOException {
    try (KafkaConsumer<String, String> consumer = consumer(bootstrap)) {
      List<TopicPartition> partitions = partitions(consumer, topic);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      int received = 0;
      long deadline = System.currentTimeMillis() + 60_000;
      while (received < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          StringBuilder headers = new StringBuilder();
          for (Header header : record.headers()) {
            if (headers.length() > 0) headers.append(',');
            headers.append(header.key()).append('=').append(header.value() == null ? "null" : new String(header.value()));
          }
          System.out.println("record\t" + record.partition() + "\t" + record.offset() + "\t" + record.key() + "\t" + record.value() + "\t" + headers);
          received++;
        }
      }
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      for (TopicPartition partition : partitions) {
        System.out.println("end\t" + partition.partition() + "\t" + ends.get(partition) + "\t" + consumer.position(partition));
      }
    }
  }

  private static void offsetsForTimes(String bootstrap, String topic, long timestamp) throws java.io.IOException {
    try (KafkaConsumer<String, String> consumer = consumer(bootstrap)) {
      Map<TopicPartition, Long> query = new HashMap<>();
      for (TopicPartition partition : partitions(consumer, topic)) query.put(partition, timestamp);
      for (Map.Entry<TopicPartition, OffsetAndTimestamp> entry : consumer.offsetsForTimes(query).entrySet()) {
        OffsetAndTimestamp found = entry.getValue();
        System.out.println("offset\t" + entry.getKey().partition() + "\t" + (found == null ? -1 : found.offset()) + "\t" + (found == null ? -1 : found.timestamp()));
      }
    }
  }
}
