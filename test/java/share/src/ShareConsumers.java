import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Share-group consumers (KIP-932) of the Java client 4.x against Samsa, for
 * test/integration/share-groups-java.test.ts. Runs `count` KafkaShareConsumers in threads of
 * one JVM (JVMs are costly on a 2-core machine); each acknowledges explicitly:
 *   accept      ACCEPT every record;
 *   reject-odd  REJECT records whose value ends in an odd digit, ACCEPT the others;
 *   release     RELEASE every record (it comes back until the delivery count limit);
 *   hold        print what it got once and then neither acknowledge nor poll (to be SIGKILLed).
 * Output, tab-separated, one line per event:
 *   REC <consumer> <offset> <value> <delivery count> <ack type>
 *   COMMITTED <consumer> <offsets acknowledged, comma-separated>   (commitSync succeeded)
 *   COMMIT_FAILED <consumer> <error>
 *   READY <consumer>   (first poll returned: the member has joined and fetched)
 * Runs until stdin closes or the JVM is killed.
 */
public final class ShareConsumers {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String group = args[1];
    String topic = args[2];
    int count = Integer.parseInt(args[3]);
    String behaviour = args[4];
    String prefix = args.length > 5 ? args[5] : "c";
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = prefix + i;
      Thread thread = new Thread(() -> consume(bootstrap, group, topic, name, behaviour, running), name);
      thread.start();
      threads.add(thread);
    }
    // The test ends the program by closing stdin (or kills it).
    while (System.in.read() != -1) { }
    running.set(false);
    for (Thread thread : threads) thread.join(30_000);
    System.exit(0);
  }

  private static synchronized void emit(String line) {
    System.out.println(line);
    System.out.flush();
  }

  private static void consume(String bootstrap, String group, String topic, String name, String behaviour, AtomicBoolean running) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("group.id", group);
    props.put("client.id", name);
    props.put("share.acknowledgement.mode", "explicit");
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaShareConsumer<String, String> consumer = new KafkaShareConsumer<>(props)) {
      consumer.subscribe(List.of(topic));
      boolean ready = false;
      boolean held = false;
      while (running.get()) {
        if (held) {
          Thread.sleep(100);
          continue;
        }
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
        if (!ready) {
          ready = true;
          emit("READY\t" + name);
        }
        if (records.isEmpty()) continue;
        List<Long> offsets = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
          AcknowledgeType type;
          String value = record.value() == null ? "" : record.value();
          char last = value.isEmpty() ? '0' : value.charAt(value.length() - 1);
          switch (behaviour) {
            case "reject-odd": type = (last - '0') % 2 == 1 ? AcknowledgeType.REJECT : AcknowledgeType.ACCEPT; break;
            case "release": type = AcknowledgeType.RELEASE; break;
            case "hold": type = null; break;
            default: type = AcknowledgeType.ACCEPT;
          }
          Optional<Short> deliveries = record.deliveryCount();
          emit("REC\t" + name + "\t" + record.offset() + "\t" + value + "\t" + deliveries.map(String::valueOf).orElse("-1") + "\t" + (type == null ? "NONE" : type.name()));
          if (type != null) {
            consumer.acknowledge(record, type);
            offsets.add(record.offset());
          }
        }
        if (behaviour.equals("hold")) {
          held = true;
          continue;
        }
        Map<TopicIdPartition, Optional<KafkaException>> result = consumer.commitSync();
        Optional<KafkaException> failure = result.values().stream().filter(Optional::isPresent).map(Optional::get).findFirst();
        if (failure.isPresent()) emit("COMMIT_FAILED\t" + name + "\t" + failure.get());
        else emit("COMMITTED\t" + name + "\t" + offsets.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse(""));
      }
    } catch (Exception e) {
      emit("ERROR\t" + name + "\t" + e.toString().replace('\n', ' '));
    }
  }
}
