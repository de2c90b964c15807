import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Kafka Streams' word count with processing.guarantee=exactly_once_v2 (one transactional
 * producer per stream thread, offsets committed inside its transactions, read_committed
 * consumers): lines from <input> are split into words, regrouped by word (a repartition topic)
 * and counted in a state store whose changelog is written in the same transactions; every count
 * update goes to <output> as word → count (a long). The record cache is off, so each input word
 * yields exactly one update: with exactly-once, word w seen n times leaves the updates 1..n in
 * <output>, whatever failures happened in between.
 *
 *   <bootstrap> <application.id> <input> <output> <state dir>
 *
 * Prints   state <new state>   on each state change; runs until the process is stopped.
 */
public final class StreamsWordCount {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    props.put(StreamsConfig.STATE_DIR_CONFIG, args[4]);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.String().getClass());
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.String().getClass());
    // Short timeouts so that the broker's restart is noticed, and waited out, quickly.
    props.put(StreamsConfig.producerPrefix("transaction.timeout.ms"), 10_000);
    props.put(StreamsConfig.producerPrefix("max.block.ms"), 10_000);
    props.put(StreamsConfig.producerPrefix("request.timeout.ms"), 5_000);
    props.put(StreamsConfig.producerPrefix("delivery.timeout.ms"), 10_000);
    props.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 10_000);
    props.put(StreamsConfig.TASK_TIMEOUT_MS_CONFIG, 120_000);

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(args[2], Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split("\\W+")))
        .filter((key, word) -> !word.isEmpty())
        .groupBy((key, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
        .count()
        .toStream()
        .to(args[3], Produced.with(Serdes.String(), Serdes.Long()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      System.out.println("state\t" + now);
      if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) stopped.countDown();
    });
    // A thread that dies is replaced, as an operator would configure an app that must keep going.
    streams.setUncaughtExceptionHandler(e -> {
      System.out.println("thread-error\t" + e);
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(streams::close));
    streams.start();
    stopped.await();
  }
}
