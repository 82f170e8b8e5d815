package dev.agentplane.testkit;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A single-node Kafka broker (KRaft, combined broker and controller) in a JVM of its own, run from
 * the Kafka server jars on the test's classpath ({@code kafka.Kafka}), as an operator runs one: it
 * can be stopped and started again on the same ports and the same log directory, so clients that
 * knew it reconnect and find every record and committed offset where they were.
 */
final class KafkaBrokerProcess {

  private static final Duration READY_WITHIN = Duration.ofSeconds(120);
  private static final Duration STOPPED_WITHIN = Duration.ofSeconds(60);

  private final String name;
  private final int port;
  private final Path config;
  private final Path logDirectory;
  private final Path log;
  private volatile Process process;

  private KafkaBrokerProcess(String name, int port, Path config, Path logDirectory, Path log) {
    this.name = name;
    this.port = port;
    this.config = config;
    this.logDirectory = logDirectory;
    this.log = log;
    Runtime.getRuntime().addShutdownHook(new Thread(this::destroy, "stop-" + name + "-on-exit"));
  }

  /** Formats a new log directory and starts the broker on ports of its own. */
  static KafkaBrokerProcess start(String name) {
    try {
      Path home = Files.createTempDirectory(name + "-");
      Path logDirectory = Files.createDirectories(home.resolve("data"));
      int port = FreePorts.belowEphemeralRange();
      int controllerPort = FreePorts.belowEphemeralRange();
      Path config = home.resolve("server.properties");
      Files.writeString(
          config,
          String.join(
              "\n",
              "process.roles=broker,controller",
              "node.id=1",
              "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
              "listeners=PLAINTEXT://127.0.0.1:"
                  + port
                  + ",CONTROLLER://127.0.0.1:"
                  + controllerPort,
              "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
              "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
              "controller.listener.names=CONTROLLER",
              "inter.broker.listener.name=PLAINTEXT",
              "log.dirs=" + logDirectory,
              "num.partitions=1",
              // A single node cannot meet the default replication of the internal topics.
              "offsets.topic.replication.factor=1",
              "offsets.topic.num.partitions=4",
              "transaction.state.log.replication.factor=1",
              "transaction.state.log.min.isr=1",
              "group.initial.rebalance.delay.ms=0",
              "auto.create.topics.enable=true",
              ""));
      KafkaBrokerProcess broker =
          new KafkaBrokerProcess(name, port, config, logDirectory, home.resolve(name + ".log"));
      broker.format();
      broker.startAgain();
      return broker;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not set up broker " + name, e);
    }
  }

  String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  boolean isRunning() {
    Process running = process;
    return running != null && running.isAlive();
  }

  /** Starts the broker on its ports and log directory and waits until clients can use it. */
  void startAgain() {
    if (isRunning()) {
      return;
    }
    process = launch("kafka.Kafka", config.toString());
    note("started, pid " + process.pid());
    Process running = process;
    await(name + " to accept clients")
        .atMost(READY_WITHIN)
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .until(
            () -> {
              if (!running.isAlive()) {
                throw new IllegalStateException(
                    name + " exited with " + running.exitValue() + "; see " + log);
              }
              try (Admin admin =
                  Admin.create(
                      Map.of(
                          AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                          AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                          AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
                return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
              }
            });
  }

  /** Stops the broker as an operator does (SIGTERM: a controlled shutdown) and waits for it. */
  void stop() {
    Process running = process;
    if (running == null || !running.isAlive()) {
      return;
    }
    running.destroy();
    try {
      if (!running.waitFor(STOPPED_WITHIN.toMillis(), TimeUnit.MILLISECONDS)) {
        running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException(name + " did not stop within " + STOPPED_WITHIN);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    note("stopped (SIGTERM), exit " + running.exitValue());
  }

  private void format() {
    Process formatting =
        launch(
            "kafka.tools.StorageTool",
            "format",
            "--ignore-formatted",
            "-t",
            Uuid.randomUuid().toString(),
            "-c",
            config.toString());
    try {
      if (!formatting.waitFor(READY_WITHIN.toMillis(), TimeUnit.MILLISECONDS)
          || formatting.exitValue() != 0) {
        formatting.destroyForcibly();
        throw new IllegalStateException("Could not format " + logDirectory + "; see " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * A JVM on the test's own classpath (which holds the Kafka server jars: this module depends on
   * them), with a small heap and C1 only, so that it starts fast beside the services.
   */
  private Process launch(String mainClass, String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx384m"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(arguments));
    try {
      return new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start " + mainClass + " for " + name, e);
    }
  }

  private void note(String what) {
    try {
      Files.writeString(
          log,
          "=== " + Instant.now() + " [test] " + name + " " + what + " ===\n",
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException ignored) {
      // The note only helps reading the log.
    }
  }

  private void destroy() {
    Process running = process;
    if (running != null) {
      running.destroyForcibly();
      try {
        running.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (Stream<Path> files = Files.walk(logDirectory)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException | UncheckedIOException ignored) {
      // Temporary files either way.
    }
  }
}
