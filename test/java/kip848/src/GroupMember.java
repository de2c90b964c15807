import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One member of a consumer group, for the KIP-848 tests: subscribes to a topic with
 * group.protocol=consumer or classic, prints every record it receives and every assignment
 * change with the time it saw it, and commits synchronously after each poll that returned
 * records (so what it printed before a COMMIT line is committed).
 *
 *   java GroupMember <bootstrap> <group> <topic> <consumer|classic> [instance-id]
 *   (SAMSA_GROUP_REMOTE_ASSIGNOR in the environment sets group.remote.assignor)
 *
 * Output, tab-separated, one line each:
 *   ASSIGNED <ms> <p,p,...>   REVOKED <ms> <p,...>   LOST <ms> <p,...>
 *   REC <partition> <offset> <value> <ms>
 *   COMMITTED <ms>            COMMIT_FAILED <ms> <exception>            ERROR <message>
 * A line "stop" (or end of input) on stdin closes the consumer, which leaves the group.
 */
public class GroupMember {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], group = args[1], topic = args[2], protocol = args[3];
    String instanceId = args.length > 4 ? args[4] : null;
    PrintStream out = new PrintStream(System.out, true);
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "member-" + ProcessHandle.current().pid());
    if (instanceId != null) props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
    // The server-side assignor to ask for (group.remote.assignor), for the test of one the broker lacks.
    String remoteAssignor = System.getenv("SAMSA_GROUP_REMOTE_ASSIGNOR");
    if (protocol.equals("consumer") && remoteAssignor != null && !remoteAssignor.isEmpty()) {
      props.put(ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG, remoteAssignor);
    }
    if (protocol.equals("classic")) {
      // The consumer protocol takes these from the broker (group.consumer.*); classic members
      // ask for a short session (6 s unless the test says otherwise) so a dead member is found soon.
      String sessionTimeout = System.getenv("SAMSA_GROUP_CLASSIC_SESSION_TIMEOUT_MS");
      props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, sessionTimeout == null || sessionTimeout.isEmpty() ? "6000" : sessionTimeout);
      props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
      props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
    }
    AtomicBoolean running = new AtomicBoolean(true);
    Thread stdin = new Thread(() -> {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(System.in))) {
        String line;
        while ((line = reader.readLine()) != null && !line.trim().equals("stop")) { }
      } catch (Exception ignored) { }
      running.set(false);
    });
    stdin.setDaemon(true);
    stdin.start();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) { print(out, "ASSIGNED", partitions); }
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          // Commit what was consumed of them before they go, as applications should.
          if (!partitions.isEmpty()) commit(consumer, out);
          print(out, "REVOKED", partitions);
        }
        public void onPartitionsLost(Collection<TopicPartition> partitions) { print(out, "LOST", partitions); }
      });
      // Whether something consumed is not committed yet (a commit failed during a rebalance):
      // the next poll commits again, records or not.
      boolean uncommitted = false;
      while (running.get()) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
        if (records.isEmpty()) {
          if (uncommitted) uncommitted = !commit(consumer, out);
          continue;
        }
        StringBuilder lines = new StringBuilder();
        for (ConsumerRecord<String, String> r : records) {
          lines.append("REC\t").append(r.partition()).append('\t').append(r.offset()).append('\t').append(r.value())
            .append('\t').append(System.currentTimeMillis()).append('\n');
        }
        out.print(lines);
        uncommitted = !commit(consumer, out);
      }
    } catch (Exception e) {
      out.println("ERROR\t" + e.toString().replace('\n', ' '));
      System.exit(2);
    }
  }

  /**
   * Commits what was consumed. A classic member may be told a rebalance is under way
   * (RebalanceInProgressException, CommitFailedException): as applications do, it goes on
   * polling, and what it printed since its last COMMITTED line may be delivered again.
   */
  static boolean commit(KafkaConsumer<String, String> consumer, PrintStream out) {
    try {
      consumer.commitSync();
      out.println("COMMITTED\t" + System.currentTimeMillis());
      return true;
    } catch (org.apache.kafka.common.errors.RebalanceInProgressException | org.apache.kafka.clients.consumer.CommitFailedException e) {
      out.println("COMMIT_FAILED\t" + System.currentTimeMillis() + "\t" + e.getClass().getSimpleName());
      return false;
    }
  }

  static void print(PrintStream out, String what, Collection<TopicPartition> partitions) {
    out.println(what + "\t" + System.currentTimeMillis() + "\t"
      + partitions.stream().map(tp -> String.valueOf(tp.partition())).sorted().collect(Collectors.joining(",")));
  }
}
