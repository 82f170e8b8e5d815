package dev.agentplane.testkit;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) from the Apache Kafka
 * server jars: the one every test of a JVM shares ({@link #get()}), or one of a test's own that it
 * may stop and start again ({@link #dedicated}).
 */
public final class TestKafka {

  private static final Logger LOG = LoggerFactory.getLogger(TestKafka.class);

  private final String bootstrapServers;
  // Only a dedicated broker can be stopped: the shared one serves every test of the JVM.
  private final KafkaBrokerProcess dedicated;

  private TestKafka(String bootstrapServers, KafkaBrokerProcess dedicated) {
    this.bootstrapServers = bootstrapServers;
    this.dedicated = dedicated;
  }

  /** The broker of this JVM, started on the first call. */
  public static TestKafka get() {
    return Started.INSTANCE;
  }

  /**
   * A broker of this test's own, in a JVM of its own, which it may {@link #stop()} and {@link
   * #start()} again on the same ports and log directory (clients reconnect, records and committed
   * offsets survive): a broker outage that no other test sees. Its process ends with the test JVM.
   *
   * @param purpose names the process and its log, e.g. the test class
   */
  public static TestKafka dedicated(String purpose) {
    KafkaBrokerProcess broker = KafkaBrokerProcess.start("kafka-" + purpose);
    return new TestKafka(broker.bootstrapServers(), broker);
  }

  /**
   * Stops a {@link #dedicated} broker as an operator does (SIGTERM: a controlled shutdown) and
   * returns once its process is gone; its clients see it down until {@link #start()}.
   */
  public void stop() {
    dedicatedBroker().stop();
  }

  /**
   * Starts a stopped {@link #dedicated} broker again on its ports and log directory, and returns
   * once clients can use it.
   */
  public void start() {
    dedicatedBroker().startAgain();
  }

  /** Whether the broker runs ({@link #get()}'s always does). */
  public boolean isRunning() {
    return dedicated == null || dedicated.isRunning();
  }

  private KafkaBrokerProcess dedicatedBroker() {
    if (dedicated == null) {
      throw new UnsupportedOperationException(
          "The shared broker serves every test of this JVM: stop a TestKafka.dedicated(...) one");
    }
    return dedicated;
  }

  // Class initialization is lazy and thread-safe: the server starts on the first get().
  private static final class Started {
    private static final TestKafka INSTANCE = startShared();
  }

  private static TestKafka startShared() {
    // A broker that meets a fatal error, even while the JVM shuts down after the last test, calls
    // Exit.halt(1): the test JVM would die or end with a failing exit code that Failsafe reports
    // as a broken fork although every test passed. Log it instead; the tests see the broker fail.
    Exit.setExitProcedure(
        (status, message) -> LOG.error("Embedded Kafka asked to exit({}): {}", status, message));
    Exit.setHaltProcedure(
        (status, message) -> LOG.error("Embedded Kafka asked to halt({}): {}", status, message));
    try {
      KafkaClusterTestKit cluster =
          new KafkaClusterTestKit.Builder(
                  new TestKitNodes.Builder()
                      .setCombined(true)
                      .setNumBrokerNodes(1)
                      .setNumControllerNodes(1)
                      .build())
              // A single node cannot meet the default replication of the internal topics:
              // without these, consumer groups and transactions never become available.
              .setConfigProp("offsets.topic.replication.factor", "1")
              .setConfigProp("offsets.topic.num.partitions", "4")
              .setConfigProp("transaction.state.log.replication.factor", "1")
              .setConfigProp("transaction.state.log.min.isr", "1")
              .setConfigProp("group.initial.rebalance.delay.ms", "0")
              .setConfigProp("auto.create.topics.enable", "true")
              .build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      cluster.close();
                    } catch (Exception ignored) {
                      // The JVM is going away; the log directories are temporary either way.
                    }
                  },
                  "test-kafka-stop"));
      return new TestKafka(cluster.bootstrapServers(), null);
    } catch (Exception e) {
      throw new IllegalStateException("Could not start the embedded Kafka broker", e);
    }
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Creates topics (idempotently) so that consumers can subscribe before the first send. */
  public void createTopics(String... topics) {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
      for (String topic : topics) {
        try {
          admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("Could not create topic " + topic, e);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A consumer in a group of its own that reads each assigned topic from the beginning. */
  public KafkaConsumer<String, byte[]> newConsumer() {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    properties.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(properties);
  }

  /**
   * Starts recording {@code topic} from its beginning, as an outside consumer in a group of its
   * own; the caller closes it.
   */
  public RecordedTopic record(String topic) {
    return new RecordedTopic(newConsumer(), topic);
  }

  /** A plain producer, for tests that play an external client of the platform. */
  public KafkaProducer<String, byte[]> newProducer() {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Duration.ofSeconds(30).toMillis());
    properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return new KafkaProducer<>(properties);
  }
}
