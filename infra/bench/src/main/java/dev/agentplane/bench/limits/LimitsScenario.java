package dev.agentplane.bench.limits;

import dev.agentplane.bench.BenchSettings;
import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.HttpLoad;
import dev.agentplane.bench.ProcessCpu;
import dev.agentplane.bench.Scenario;
import dev.agentplane.bench.ScenarioReport;
import dev.agentplane.loadtest.LoadDriver;
import dev.agentplane.testkit.ServiceProcess;
import dev.agentplane.testkit.ServiceSpec;
import dev.agentplane.testkit.TestPostgres.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Scenario 1, the machine's physical limits, which later scenarios are ratios of: single-row insert
 * commits per second on the same PostgreSQL (one connection, then 32), and a Micronaut/Netty hello
 * world's requests per second on the same cores.
 */
public final class LimitsScenario implements Scenario {

  /** A JSON document the size of a run's median checkpoint (about 700 bytes, measured earlier). */
  static final String CHECKPOINT_SIZED_ROW = checkpointSizedRow();

  /** Raw commits per second, one connection: the anchor of the checkpointed-steps scenario. */
  private double rawOneConnection;

  private double rawManyConnections;

  @Override
  public String id() {
    return "limits";
  }

  @Override
  public String title() {
    return "1. Physical limits";
  }

  public double rawCommitsOneConnection() {
    return rawOneConnection;
  }

  public double rawCommitsManyConnections() {
    return rawManyConnections;
  }

  @Override
  public ScenarioReport run(BenchStack stack, BenchSettings settings) throws Exception {
    ScenarioReport report = new ScenarioReport(id(), title());
    TestDatabase database = stack.postgres().createDatabase("bench-raw-commits");
    try (Connection connection = database.connect();
        Statement ddl = connection.createStatement()) {
      ddl.execute(
          "CREATE TABLE raw_commit (id bigserial PRIMARY KEY, tenant_id text NOT NULL,"
              + " state jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
    }
    Duration window = settings.window(15);
    ProcessCpu cpu = stack.cpu();
    report.setting("raw row", CHECKPOINT_SIZED_ROW.length() + "-byte jsonb, autocommit INSERT");
    report.setting("raw window", window.toSeconds() + " s after 3 s warm-up, per connection count");

    insertLoop(database, 1, settings.window(3));
    ProcessCpu.Sample before = cpu.sample();
    long one = insertLoop(database, 1, window);
    rawOneConnection = one / (window.toMillis() / 1000.0);
    report.figure("raw insert commits/s, 1 connection", rawOneConnection, "/s");
    report.cpu("raw inserts, 1 connection", "commit", cpu.sample().millisPerOperation(before, one));

    before = cpu.sample();
    long many = insertLoop(database, 32, window);
    rawManyConnections = many / (window.toMillis() / 1000.0);
    report.figure("raw insert commits/s, 32 connections", rawManyConnections, "/s");
    report.cpu(
        "raw inserts, 32 connections", "commit", cpu.sample().millisPerOperation(before, many));

    helloWorld(stack, settings, report);
    return report;
  }

  private static long insertLoop(TestDatabase database, int connections, Duration window)
      throws InterruptedException {
    LongAdder commits = new LongAdder();
    long end = System.nanoTime() + window.toNanos();
    List<Thread> loops = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      loops.add(
          Thread.ofPlatform()
              .name("raw-insert-" + i)
              .start(
                  () -> {
                    try (Connection connection = database.connect();
                        PreparedStatement insert =
                            connection.prepareStatement(
                                "INSERT INTO raw_commit (tenant_id, state) VALUES (?, ?::jsonb)")) {
                      insert.setString(1, "bench");
                      insert.setString(2, CHECKPOINT_SIZED_ROW);
                      while (System.nanoTime() < end) {
                        insert.executeUpdate();
                        commits.increment();
                      }
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  }));
    }
    for (Thread loop : loops) {
      loop.join();
    }
    return commits.sum();
  }

  private static void helloWorld(BenchStack stack, BenchSettings settings, ScenarioReport report)
      throws Exception {
    ServiceProcess hello =
        ServiceProcess.start(
            new ServiceSpec(
                "hello-world",
                Path.of("infra/bench"),
                HelloWorldServer.class.getName(),
                Map.of(),
                BenchStack.SERVICE_JVM));
    try {
      ProcessCpu cpu = stack.cpu().track("hello-world", hello.pid());
      Duration warmup = settings.window(10);
      Duration measured = settings.window(15);
      report.setting(
          "hello world",
          "GET /hello (17-byte JSON), closed loop over 64 keep-alive connections, "
              + warmup.toSeconds()
              + " s warm-up, "
              + measured.toSeconds()
              + " s measured, server JVM "
              + String.join(" ", BenchStack.SERVICE_JVM));
      LoadDriver.Result result =
          HttpLoad.measure(
              "hello world", hello.uri().resolve("/hello"), null, 0, warmup, measured, cpu, report);
      report.figure(
          "Micronaut/Netty hello world req/s, 64 connections", result.requestsPerSecond(), "/s");
      report.figure("hello world p50 latency", result.millis(50), "ms");
      report.figure("hello world p99 latency", result.millis(99), "ms");
    } finally {
      hello.stop();
    }
  }

  private static String checkpointSizedRow() {
    StringBuilder messages = new StringBuilder();
    while (messages.length() < 560) {
      messages.append("{\"role\":\"tool\",\"content\":\"echo of the run's input\"},");
    }
    return "{\"step\":3,\"messages\":[" + messages.substring(0, messages.length() - 1) + "]}";
  }
}
