import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A transactional copy in the shape of Kafka's TransactionalMessageCopier (the system tests'
 * exactly-once check): a read_committed consumer in group <group> reads <input>; each batch it
 * polls is copied, value prefixed "copied:", to the same partition of <output> inside one
 * transaction that also commits the consumed offsets (sendOffsetsToTransaction with the
 * consumer's group metadata, so the group coordinator fences a zombie member, KIP-447).
 *
 *   <bootstrap> <input> <output> <group> <transactional.id> <expected> <per txn> <pause ms> <abort every>
 *
 * Each transaction pauses <pause ms> before it ends, and every <abort every>-th one (0: none)
 * is aborted on purpose after its records and offsets were sent, and its input read again, as
 * the copier's random aborts do: the output then holds aborted records that a read_committed
 * consumer must never see.
 * On any error it aborts the transaction (or, if the producer is unusable, closes it and starts
 * a new one with the same transactional.id, which fences the old epoch and has the coordinator
 * finish its transaction) and rewinds the consumer to the group's committed offsets: the
 * recovery Kafka's copier does, so it survives the broker being killed and restarted. It stops
 * once the committed offsets cover <expected> input records. Output (tab-separated):
 *   progress <input records committed so far>   after each committed transaction
 *   aborted <input records committed so far>    after each deliberate abort
 *   recovered <error class>                      after each recovery
 *   done <input records committed>
 */
public final class TxnCopier {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], input = args[1], output = args[2], group = args[3], transactionalId = args[4];
    long expected = Long.parseLong(args[5]);
    int perTxn = Integer.parseInt(args[6]);
    long pauseMs = Long.parseLong(args[7]);
    int abortEvery = Integer.parseInt(args[8]);
    long transactions = 0;

    Properties consumerProps = new Properties();
    consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, perTxn);
    consumerProps.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    consumerProps.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());

    Properties producerProps = new Properties();
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    producerProps.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
    producerProps.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    producerProps.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    producerProps.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
    producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());

    Map<TopicPartition, Long> committed = new HashMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps)) {
      consumer.subscribe(List.of(input), new ConsumerRebalanceListener() {
        @Override public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}
        @Override public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
      });
      KafkaProducer<String, String> producer = startProducer(producerProps);
      while (total(committed) < expected) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) continue;
        try {
          producer.beginTransaction();
          Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
          for (ConsumerRecord<String, String> r : records) {
            producer.send(new ProducerRecord<>(output, r.partition(), r.key(), "copied:" + r.value()));
            positions.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
          }
          producer.sendOffsetsToTransaction(positions, consumer.groupMetadata());
          // The pause is inside the transaction, so that a broker killed meanwhile kills it midway.
          if (pauseMs > 0) Thread.sleep(pauseMs);
          if (abortEvery > 0 && ++transactions % abortEvery == 0) {
            // Kafka's copier aborts at random (--enable-random-aborts); here every abortEvery-th.
            producer.abortTransaction();
            rewind(consumer, committed);
            System.out.println("aborted\t" + total(committed));
            continue;
          }
          producer.commitTransaction();
          positions.forEach((tp, o) -> committed.put(tp, o.offset()));
          System.out.println("progress\t" + total(committed));
        } catch (KafkaException e) {
          producer = recover(producer, producerProps);
          rewind(consumer, committed);
          System.out.println("recovered\t" + e.getClass().getSimpleName());
        }
      }
      producer.close();
    }
    System.out.println("done\t" + total(committed));
  }

  static long total(Map<TopicPartition, Long> committed) {
    return committed.values().stream().mapToLong(Long::longValue).sum();
  }

  /** A producer with its transactions initialised, retrying while the broker is away. */
  static KafkaProducer<String, String> startProducer(Properties props) throws InterruptedException {
    while (true) {
      KafkaProducer<String, String> producer = new KafkaProducer<>(props);
      try {
        producer.initTransactions();
        return producer;
      } catch (KafkaException e) {
        producer.close(Duration.ZERO);
        Thread.sleep(500);
      }
    }
  }

  /**
   * Aborts the failed transaction; a producer that cannot abort is replaced, and the new
   * instance's initTransactions has the coordinator finish or abort what the old one left. That
   * includes a commit that timed out: the client then allows only a retried commit
   * (IllegalStateException for an abort), and the retried outcome is what the group's committed
   * offsets, read back by rewind(), say.
   */
  static KafkaProducer<String, String> recover(KafkaProducer<String, String> producer, Properties props) throws InterruptedException {
    try {
      producer.abortTransaction();
      return producer;
    } catch (KafkaException | IllegalStateException e) {
      producer.close(Duration.ZERO);
      return startProducer(props);
    }
  }

  /**
   * Moves the consumer back to the group's committed offsets (read with require_stable, so a
   * transaction still completing is waited for) and takes them as the progress so far.
   */
  static void rewind(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> committed) throws InterruptedException {
    while (true) {
      try {
        Set<TopicPartition> assignment = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> offsets = consumer.committed(assignment);
        for (TopicPartition tp : assignment) {
          OffsetAndMetadata o = offsets.get(tp);
          if (o == null) {
            consumer.seekToBeginning(List.of(tp));
          } else {
            consumer.seek(tp, o.offset());
            committed.put(tp, o.offset());
          }
        }
        return;
      } catch (KafkaException e) {
        Thread.sleep(500);
      }
    }
  }
}
