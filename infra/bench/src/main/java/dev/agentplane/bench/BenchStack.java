package dev.agentplane.bench;

import dev.agentplane.contracts.Topics;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceProcess;
import dev.agentplane.testkit.ServiceSpec;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestPostgres.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The product as the benchmarks drive it: PostgreSQL (flushing every commit) and a Kafka broker in
 * this JVM, the registry, approval, execution and gateway services each in a JVM of its own, with
 * JVM options for throughput rather than the tests' fast start, and a loopback HTTP tool server.
 * One stack serves every scenario; each scenario works in tenants of its own.
 *
 * <p>Settings that differ from a default deployment, and why: the rate-limit tiers are evaluated on
 * every request but never refuse, and tenants' steps per second are not capped (the scenarios
 * measure the platform, not the limiter), except for scenario 9's flooding tenant, which keeps the
 * deployment's default step rate (that scenario measures what the quotas do); HTTP tools may call
 * 127.0.0.1 (the tool server); PostgreSQL records commit timestamps, from which latencies to a
 * commit are read; streamed model text is flushed as an event every 50 ms rather than 150 ms, so
 * the SSE scenario's model, which streams a chunk every 100 ms, gives one event per chunk.
 *
 * <p>The services log in as their application and jobs roles, subject to row-level security, as
 * deployed; {@code --without-rls} logs them in as the schema owner instead (the embedded server's
 * {@code postgres}, a superuser, which row-level security does not apply to), to measure what the
 * policies cost. The tenant binding sent with each transaction's {@code BEGIN} is there either way.
 */
public final class BenchStack implements AutoCloseable {

  // The deployment's defaults of agentplane.execution.quotas.steps-per-second-per-tenant and
  // runs-per-second-per-tenant.
  private static final String DEFAULT_STEPS_PER_SECOND = "100";
  private static final String DEFAULT_RUNS_PER_SECOND = "20";

  /** The services' JVM options: a full JIT and a parallel collector, as a deployment runs them. */
  public static final List<String> SERVICE_JVM =
      List.of("-XX:+UseParallelGC", "-Xms256m", "-Xmx768m");

  /**
   * Names the services to record with Java Flight Recorder (comma-separated, e.g. {@code
   * execution,registry}): each writes {@code target/bench-jfr/<service>.jfr} with the profile
   * settings, for finding where a scenario's CPU goes.
   */
  public static final String PROFILE_ENV = "AGENTPLANE_BENCH_PROFILE";

  /**
   * Streamed model text becomes a {@code model.delta} event this often (default 150 ms): under the
   * SSE scenario's 100 ms between chunks, so each chunk is an event of its own when it arrives.
   */
  private static final String DELTA_FLUSH_EVERY = "50ms";

  private final TestPostgres postgres;
  private final TestDatabase executionDatabase;
  private final TestDatabase approvalDatabase;
  private final ServiceProcess registry;
  private final ServiceProcess approval;
  private final ServiceProcess execution;
  private final ServiceProcess gateway;
  private final ToolArrivals toolServer;
  private final boolean rowLevelSecurity;
  private final long postmasterPid;

  private BenchStack(
      TestPostgres postgres,
      TestDatabase executionDatabase,
      TestDatabase approvalDatabase,
      List<ServiceProcess> services,
      ToolArrivals toolServer,
      boolean rowLevelSecurity) {
    this.postgres = postgres;
    this.executionDatabase = executionDatabase;
    this.approvalDatabase = approvalDatabase;
    this.registry = services.get(0);
    this.approval = services.get(1);
    this.execution = services.get(2);
    this.gateway = services.get(3);
    this.toolServer = toolServer;
    this.rowLevelSecurity = rowLevelSecurity;
    this.postmasterPid = postmasterPid();
  }

  /**
   * Starts everything and waits until every service is healthy; without {@code rowLevelSecurity},
   * the services log in as the schema owner, whom the policies do not hold.
   */
  public static BenchStack start(boolean rowLevelSecurity) {
    CompletableFuture<TestPostgres> postgres = CompletableFuture.supplyAsync(TestPostgres::get);
    TestKafka kafka = TestKafka.get();
    List<String> topics = new ArrayList<>(Topics.ALL);
    topics.add(Topics.deadLetter(Topics.RUNS_REQUESTED));
    kafka.createTopics(topics.toArray(String[]::new));
    TestPostgres databases = postgres.join();
    TestDatabase executionDatabase = databases.createDatabase("bench-execution");
    TestDatabase approvalDatabase = databases.createDatabase("bench-approval");
    TestDatabase registryDatabase = databases.createDatabase("bench-registry");
    TestDatabase gatewayDatabase = databases.createDatabase("bench-gateway");

    ServiceProcess registry =
        ServiceProcess.launch(
            login(
                    ServiceSpec.registry("registry", registryDatabase),
                    registryDatabase,
                    rowLevelSecurity)
                .jvm(jvmOf("registry")));
    ServiceProcess approval =
        ServiceProcess.launch(
            login(
                    ServiceSpec.approval("approval", approvalDatabase),
                    approvalDatabase,
                    rowLevelSecurity)
                .env("AGENTPLANE_WEBHOOK_REQUIRE_HTTPS", "false")
                .env("AGENTPLANE_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
                .jvm(jvmOf("approval")));
    ServiceProcess execution =
        ServiceProcess.launch(
            login(
                    ServiceSpec.execution(
                        "execution", executionDatabase, registry.uri(), approval.uri()),
                    executionDatabase,
                    rowLevelSecurity)
                .property("agentplane.execution.loop.delta-flush-every", DELTA_FLUSH_EVERY)
                .property(
                    "agentplane.execution.quotas.queued-runs-of." + BenchTenant.PARKING_TENANT,
                    "20000")
                .property("agentplane.execution.quotas.steps-per-second-per-tenant", "0")
                .property(
                    "agentplane.execution.quotas.steps-per-second-of." + BenchTenant.NOISY_TENANT,
                    DEFAULT_STEPS_PER_SECOND)
                .property("agentplane.execution.quotas.runs-per-second-per-tenant", "0")
                .property(
                    "agentplane.execution.quotas.runs-per-second-of." + BenchTenant.NOISY_TENANT,
                    DEFAULT_RUNS_PER_SECOND)
                .jvm(jvmOf("execution")));
    ServiceProcess gateway =
        ServiceProcess.launch(
            login(
                    ServiceSpec.gateway(
                        "gateway",
                        gatewayDatabase,
                        registry.uri(),
                        execution.uri(),
                        approval.uri()),
                    gatewayDatabase,
                    rowLevelSecurity)
                .property(
                    "agentplane.gateway.rate-limit.tiers.standard.tenant-requests", "1000000000")
                .property(
                    "agentplane.gateway.rate-limit.tiers.standard.principal-requests", "1000000000")
                .jvm(jvmOf("gateway")));
    List<ServiceProcess> services = List.of(registry, approval, execution, gateway);
    try {
      services.stream()
          .map(service -> CompletableFuture.runAsync(service::awaitHealthy))
          .toList()
          .forEach(CompletableFuture::join);
    } catch (RuntimeException e) {
      services.forEach(ServiceProcess::stop);
      throw e;
    }
    return new BenchStack(
        databases,
        executionDatabase,
        approvalDatabase,
        services,
        ToolArrivals.start(),
        rowLevelSecurity);
  }

  /**
   * The service's logins: its application and jobs roles (the defaults), or, without row-level
   * security, the owner for both.
   */
  private static ServiceSpec login(
      ServiceSpec service, TestDatabase database, boolean rowLevelSecurity) {
    if (rowLevelSecurity) {
      return service;
    }
    return service
        .env("AGENTPLANE_DB_APP_USER", database.user())
        .env("AGENTPLANE_DB_APP_PASSWORD", database.password())
        .env("AGENTPLANE_DB_JOBS_USER", database.user())
        .env("AGENTPLANE_DB_JOBS_PASSWORD", database.password());
  }

  private static List<String> jvmOf(String service) {
    String profiled = System.getenv().getOrDefault(PROFILE_ENV, "");
    if (!List.of(profiled.split(",")).contains(service)) {
      return SERVICE_JVM;
    }
    Path recordings = ServiceSpec.repositoryRoot().resolve("target/bench-jfr");
    try {
      Files.createDirectories(recordings);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> options = new ArrayList<>(SERVICE_JVM);
    // Deep enough to reach the application frame under a framework's call chain.
    options.add("-XX:FlightRecorderOptions=stackdepth=512");
    options.add(
        "-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
            + recordings.resolve(service + ".jfr"));
    return options;
  }

  public ServiceProcess registry() {
    return registry;
  }

  public ServiceProcess approval() {
    return approval;
  }

  public ServiceProcess execution() {
    return execution;
  }

  public ServiceProcess gateway() {
    return gateway;
  }

  public ServiceApi gatewayApi() {
    return new ServiceApi(gateway.uri());
  }

  /** The loopback HTTP server that the agents' HTTP tool calls; it notes when calls arrive. */
  public ToolArrivals toolServer() {
    return toolServer;
  }

  public TestPostgres postgres() {
    return postgres;
  }

  /** A connection to the execution service's tables, for figures read from commits. */
  public Connection executionDatabase() throws SQLException {
    return inSchema(executionDatabase, "execution");
  }

  /** A connection to the approval service's tables. */
  public Connection approvalDatabase() throws SQLException {
    return inSchema(approvalDatabase, "approval");
  }

  // Each service keeps its tables in a schema named after it (agentplane.service.schema).
  private static Connection inSchema(TestDatabase database, String schema) throws SQLException {
    Connection connection = database.connect();
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET search_path TO " + schema);
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  /**
   * The PostgreSQL server process, whose backends are its children and count as its CPU. The
   * embedded server is started through a launcher that exits, so it is nobody's child here; a
   * backend knows its parent.
   */
  private long postmasterPid() {
    try (Connection connection = executionDatabase.connect();
        Statement statement = connection.createStatement();
        ResultSet backend = statement.executeQuery("SELECT pg_backend_pid()")) {
      backend.next();
      return ProcessHandle.of(backend.getLong(1))
          .flatMap(ProcessHandle::parent)
          .map(ProcessHandle::pid)
          .orElse(-1L);
    } catch (SQLException e) {
      throw new IllegalStateException("Could not find the PostgreSQL server process", e);
    }
  }

  /** CPU accounting for every process of the stack; a scenario may add its own. */
  public ProcessCpu cpu() {
    ProcessCpu cpu = new ProcessCpu().trackSelf("bench JVM (driver, Kafka)");
    if (postmasterPid > 0) {
      cpu.track("PostgreSQL", postmasterPid);
    }
    for (ServiceProcess service : List.of(registry, approval, execution, gateway)) {
      cpu.track(service.name(), service::pid);
    }
    return cpu;
  }

  /** What the stack runs with, for the report. */
  public Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("serviceJvm", String.join(" ", SERVICE_JVM));
    settings.put("postgresSettings", System.getenv(TestPostgres.SETTINGS_ENV));
    settings.put("postgres", "embedded PostgreSQL 17 (zonky), one database per service");
    settings.put("kafka", "single-node KRaft broker in the bench JVM, 1 partition per topic");
    settings.put("rateLimits", "evaluated on every request, 10^9 per minute: never refuse");
    settings.put(
        "rowLevelSecurity",
        rowLevelSecurity
            ? "on: the services log in as their application and jobs roles"
            : "off (--without-rls): the services log in as the owner, a superuser");
    settings.put(
        "execution",
        "agentplane.execution.loop.delta-flush-every="
            + DELTA_FLUSH_EVERY
            + " (default 150ms): one model.delta per streamed chunk");
    settings.put("java", Runtime.version().toString());
    settings.put("cores", Runtime.getRuntime().availableProcessors());
    return settings;
  }

  @Override
  public void close() {
    toolServer.close();
    List.of(gateway, execution, approval, registry).forEach(ServiceProcess::stop);
  }
}
