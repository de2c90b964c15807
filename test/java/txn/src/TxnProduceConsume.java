import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Java client's transactions against Samsa, in two modes; output lines are tab-separated.
 *
 *   produce <bootstrap> <topic> <transactional.id> <group> <plan>
 *     Runs one transaction per letter of <plan> ("c" commits, "a" aborts). Transaction i sends
 *     10 records "t<i>-<j>" to partition j % partitions, and, in the same transaction, commits
 *     offset 100 + i for <group> on <topic>-0 (sendOffsetsToTransaction). After each one it
 *     prints   txn <i> committed|aborted <group's committed offset on <topic>-0, or -1>
 *     reading the offset with require_stable, as a read_committed consumer would.
 *
 *   consume <bootstrap> <topic> <expected> <idle ms>
 *     A read_committed consumer of every partition from the beginning; prints
 *     record <partition> <offset> <value>   until <expected> records or <idle ms> without one.
 */
public final class TxnProduceConsume {
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "produce" -> produce(args[1], args[2], args[3], args[4], args[5]);
      case "consume" -> consume(args[1], args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  static void produce(String bootstrap, String topic, String transactionalId, String group, String plan) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    Properties adminProps = new Properties();
    adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    TopicPartition first = new TopicPartition(topic, 0);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props); Admin admin = Admin.create(adminProps)) {
      producer.initTransactions();
      int partitions = producer.partitionsFor(topic).size();
      for (int i = 0; i < plan.length(); i++) {
        producer.beginTransaction();
        for (int j = 0; j < 10; j++) producer.send(new ProducerRecord<>(topic, j % partitions, "k" + j, "t" + i + "-" + j));
        producer.sendOffsetsToTransaction(Map.of(first, new OffsetAndMetadata(100 + i)), new ConsumerGroupMetadata(group));
        boolean commit = plan.charAt(i) == 'c';
        if (commit) producer.commitTransaction();
        else producer.abortTransaction();
        OffsetAndMetadata committed = admin
            .listConsumerGroupOffsets(group, new ListConsumerGroupOffsetsOptions().requireStable(true))
            .partitionsToOffsetAndMetadata().get().get(first);
        System.out.println("txn\t" + i + "\t" + (commit ? "committed" : "aborted") + "\t" + (committed == null ? -1 : committed.offset()));
      }
    }
  }

  static void consume(String bootstrap, String topic, int expected, long idleMs) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> assignment = new ArrayList<>();
      for (PartitionInfo p : consumer.partitionsFor(topic)) assignment.add(new TopicPartition(topic, p.partition()));
      consumer.assign(assignment);
      consumer.seekToBeginning(assignment);
      int seen = 0;
      long lastRecord = System.currentTimeMillis();
      while (seen < expected && System.currentTimeMillis() - lastRecord < idleMs) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          System.out.println("record\t" + r.partition() + "\t" + r.offset() + "\t" + r.value());
          seen++;
          lastRecord = System.currentTimeMillis();
        }
      }
    }
  }
}
