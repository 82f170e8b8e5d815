package dev.agentplane.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * The stack's Kafka: one KRaft node (broker and controller in one process) started the production
 * way, {@code kafka.Kafka server.properties} in a JVM of its own, with its data under {@code
 * .agentplane/kafka}; or the cluster named by {@code AGENTPLANE_KAFKA_BOOTSTRAP_SERVERS}.
 */
final class KafkaBroker implements AutoCloseable {

  static final String ROLE = "kafka";

  private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_GRACE = Duration.ofSeconds(30);

  private final String bootstrapServers;
  private final ChildJvm broker;

  private KafkaBroker(String bootstrapServers, ChildJvm broker) {
    this.bootstrapServers = bootstrapServers;
    this.broker = broker;
  }

  static KafkaBroker external(String bootstrapServers) {
    return new KafkaBroker(bootstrapServers, null);
  }

  /**
   * Writes the broker's configuration, formats its storage on the first start (the cluster id is
   * kept, so restarts find their data), and starts it. Returns at once: see {@link #awaitReady}.
   */
  static KafkaBroker startEmbedded(
      StateDirectory state, StackOptions options, List<Path> classpath, Path log) {
    Path directory = state.kafka();
    Path data = directory.resolve("data");
    Path config = directory.resolve("server.properties");
    try {
      Files.createDirectories(data);
      Files.writeString(
          config,
          serverProperties(options.kafkaPort(), options.kafkaControllerPort(), data),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write " + config, e);
    }
    List<String> jvmOptions = kafkaJvmOptions(options);
    if (!Files.exists(data.resolve("meta.properties"))) {
      format(clusterId(directory), config, classpath, jvmOptions, log);
    }
    ChildJvm broker =
        ChildJvm.start(
            ROLE, classpath, jvmOptions, "kafka.Kafka", List.of(config.toString()), Map.of(), log);
    return new KafkaBroker("127.0.0.1:" + options.kafkaPort(), broker);
  }

  /**
   * A single-node KRaft configuration. Internal topics must have replication factor 1 or consumer
   * groups and transactions never become available; the rest keeps a dev broker small.
   */
  static String serverProperties(int port, int controllerPort, Path data) {
    return String.join(
            "\n",
            "# Written by the AgentPlane devstack at every start; edits are overwritten.",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "log.dirs=" + data.toAbsolutePath(),
            "num.partitions=3",
            "auto.create.topics.enable=true",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=6",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "transaction.state.log.num.partitions=6",
            "group.initial.rebalance.delay.ms=0",
            "num.network.threads=2",
            "num.io.threads=2",
            "num.recovery.threads.per.data.dir=1",
            // The default 128 MiB compaction buffer is most of a dev broker's heap.
            "log.cleaner.dedupe.buffer.size=16777216",
            "log.retention.hours=168",
            "")
        .replace("\\", "\\\\");
  }

  private static List<String> kafkaJvmOptions(StackOptions options) {
    return Stream.concat(
            options.kafkaJavaOptions().stream(),
            Stream.of("-Djava.awt.headless=true", "-Dlogback.configurationFile=kafka-logback.xml"))
        .toList();
  }

  private static String clusterId(Path directory) {
    Path file = directory.resolve("cluster-id");
    try {
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      String clusterId = Uuid.randomUuid().toString();
      Files.writeString(file, clusterId + "\n", StandardCharsets.UTF_8);
      return clusterId;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read or create " + file, e);
    }
  }

  private static void format(
      String clusterId, Path config, List<Path> classpath, List<String> jvmOptions, Path log) {
    ChildJvm storageTool =
        ChildJvm.start(
            "kafka-storage-format",
            classpath,
            jvmOptions,
            "kafka.tools.StorageTool",
            List.of("format", "--ignore-formatted", "-t", clusterId, "-c", config.toString()),
            Map.of(),
            log);
    try {
      storageTool.handle().onExit().get(FORMAT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      GracefulStop.stop(storageTool.handle(), Duration.ofSeconds(5));
      throw StartupFailure.withLog(
          "Formatting Kafka's storage took longer than " + FORMAT_TIMEOUT.toSeconds() + " s", log);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupFailure("Interrupted while formatting Kafka's storage");
    }
    if (storageTool.exitValue() != 0) {
      throw StartupFailure.withLog(
          "Formatting Kafka's storage failed (exit code " + storageTool.exitValue() + ")", log);
    }
  }

  /**
   * Waits until the broker answers an admin request, or fails if it dies or the deadline passes.
   */
  void awaitReady(Instant deadline) {
    Map<String, Object> config =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000,
            AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
    try (Admin admin = Admin.create(config)) {
      String lastProblem = "no answer yet";
      while (Instant.now().isBefore(deadline)) {
        if (broker != null && !broker.isAlive()) {
          throw StartupFailure.withLog(
              "Kafka exited with code " + broker.exitValue() + " before it was ready",
              broker.log());
        }
        try {
          if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          lastProblem = String.valueOf(e.getCause() == null ? e : e.getCause());
        }
        pause();
      }
      String problem =
          "Kafka at " + bootstrapServers + " was not ready in time (" + lastProblem + ")";
      throw broker == null
          ? new StartupFailure(problem)
          : StartupFailure.withLog(problem, broker.log());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupFailure("Interrupted while waiting for Kafka");
    }
  }

  /** The poll interval of the deadline-bounded readiness wait: a broker cannot push readiness. */
  private static void pause() throws InterruptedException {
    Thread.sleep(200);
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  boolean isEmbedded() {
    return broker != null;
  }

  /** The broker's JVM; null for an external cluster. */
  ChildJvm process() {
    return broker;
  }

  @Override
  public void close() {
    if (broker != null) {
      // A single node shuts down in a few seconds; the grace covers a slow disk.
      GracefulStop.stop(broker.handle(), STOP_GRACE);
    }
  }
}
