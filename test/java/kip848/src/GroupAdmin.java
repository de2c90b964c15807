import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What an operator's tools see of groups, for the KIP-848 tests, through the Java Admin client
 * 4.x (the calls kafka-consumer-groups makes), and what an application sees of a feature Samsa
 * does not serve:
 *
 *   java GroupAdmin <bootstrap> list                 GROUP <id> <type> <state> <protocol>
 *   java GroupAdmin <bootstrap> describe <group>...  DESCRIBED <id> <type> <state> <assignor> <members>
 *                                                    MEMBER <group> <member-id> <epoch> <partitions> <protocol>
 *                                                    (protocol: consumer, classic, or ? when the broker does not say)
 *   java GroupAdmin <bootstrap> share <group> <topic>   SHARE_ERROR <exception> <message>
 */
public class GroupAdmin {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], mode = args[1];
    if (mode.equals("share")) {
      share(bootstrap, args[2], args[3]);
      return;
    }
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      if (mode.equals("list")) {
        for (GroupListing g : admin.listGroups().all().get()) {
          System.out.println("GROUP\t" + g.groupId() + "\t" + g.type().map(Object::toString).orElse("?") + "\t"
            + g.groupState().map(Object::toString).orElse("?") + "\t" + g.protocol());
        }
      } else {
        List<String> ids = List.of(args).subList(2, args.length);
        Map<String, ConsumerGroupDescription> described = admin.describeConsumerGroups(ids).all().get();
        for (ConsumerGroupDescription d : described.values()) {
          System.out.println("DESCRIBED\t" + d.groupId() + "\t" + d.type() + "\t" + d.groupState() + "\t" + d.partitionAssignor() + "\t" + d.members().size());
          d.members().forEach(m -> System.out.println("MEMBER\t" + d.groupId() + "\t" + m.consumerId() + "\t" + m.memberEpoch().map(String::valueOf).orElse("?") + "\t"
            + m.assignment().topicPartitions().stream().map(tp -> String.valueOf(tp.partition())).sorted().collect(Collectors.joining(",")) + "\t"
            + m.upgraded().map(upgraded -> upgraded ? "consumer" : "classic").orElse("?")));
        }
      }
    }
  }

  /** A share consumer (KIP-932, not served by Samsa yet): the error it raises to the application. */
  static void share(String bootstrap, String group, String topic) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    try (KafkaShareConsumer<String, String> consumer = new KafkaShareConsumer<>(props)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < deadline) consumer.poll(Duration.ofMillis(500));
      System.out.println("SHARE_ERROR\tnone\tpolled 30 s without an error");
    } catch (Exception e) {
      System.out.println("SHARE_ERROR\t" + e.getClass().getSimpleName() + "\t" + String.valueOf(e.getMessage()).replace('\n', ' '));
    }
  }
}
