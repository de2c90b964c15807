import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Exactly-once copy by a member of a KIP-848 consumer group (group.protocol=consumer): each poll
 * becomes one transaction that writes the records to the output topic and commits the consumer's
 * positions with its group metadata (sendOffsetsToTransaction: TxnOffsetCommit carrying the
 * member id and member epoch), so the coordinator checks the commit against the live member.
 *
 *   java TxnMember <bootstrap> <input> <output> <group> <transactional-id> <records>
 *
 * Output, tab-separated: "committed <records so far>" after each transaction, "done <records>"
 * at the end, or "ERROR <exception>" (exit 2) when a transaction fails: nothing here retries,
 * so a refused commit shows at once.
 */
public class TxnMember {
  public static void main(String[] args) {
    String bootstrap = args[0], input = args[1], output = args[2], group = args[3], transactionalId = args[4];
    long expected = Long.parseLong(args[5]);
    Properties consumerProps = new Properties();
    consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    consumerProps.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    Properties producerProps = new Properties();
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    long copied = 0;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps);
         KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps)) {
      consumer.subscribe(List.of(input));
      producer.initTransactions();
      while (copied < expected) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) continue;
        producer.beginTransaction();
        Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
          producer.send(new ProducerRecord<>(output, r.partition(), r.key(), "copied:" + r.value()));
          positions.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        producer.sendOffsetsToTransaction(positions, consumer.groupMetadata());
        producer.commitTransaction();
        copied += records.count();
        System.out.println("committed\t" + copied);
      }
      System.out.println("done\t" + copied);
    } catch (Exception e) {
      System.out.println("ERROR\t" + e.toString().replace('\n', ' '));
      System.exit(2);
    }
  }
}
