package dev.agentplane.acceptance;

import dev.agentplane.contracts.Topics;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.ServiceProcess;
import dev.agentplane.testkit.ServiceSpec;
import dev.agentplane.testkit.SseStream;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestPostgres.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * The whole product, once per test JVM, as the devstack runs it: PostgreSQL and a Kafka broker, and
 * the registry, approval, execution and gateway services each in a JVM of its own, started from
 * their modules' build output. Tests reach it only as users do: HTTP through {@link #gateway()},
 * Kafka as an outside client, webhooks on loopback. The processes themselves are exposed only so
 * the crash suite can kill and restart them.
 *
 * <p>Settings that differ from the devstack's, and why:
 *
 * <ul>
 *   <li>{@code 127.0.0.1} is an allowed private host for HTTP tools, tool calls and webhooks (the
 *       journey's tool service and receivers listen there); every other loopback form, private
 *       range and metadata address stays refused, which the attack suite checks.
 *   <li>The services resolve names from a hosts file of the suite's ({@code jdk.net.hosts.file}):
 *       {@link #LOOPBACK_ALIAS} resolves to 127.0.0.1, a name an attacker controls.
 *   <li>Execution leases last 6 s (default 30 s), so a run whose worker was killed is taken over
 *       within seconds, yet a live worker stalled for a few seconds on a loaded machine keeps its
 *       runs (renewed every second): a takeover would repeat a step that the exact counts of model
 *       and tool calls here would see.
 *   <li>The standard rate-limit tier is wide (pollers of many tests share principals), and one
 *       tenant, {@link #meteredTenant()}, is on a narrow tier for the burst test.
 * </ul>
 */
public final class Platform {

  /** A hostname that the services' resolver maps to 127.0.0.1: DNS an attacker controls. */
  public static final String LOOPBACK_ALIAS = "loopback-alias.acceptance.test";

  /** Runs a principal of {@link #meteredTenant()} may request per minute. */
  public static final int METERED_PRINCIPAL_REQUESTS_PER_MINUTE = 100;

  private static Platform started;
  private static RuntimeException failedToStart;

  private final ServiceProcess registry;
  private final ServiceProcess approval;
  private final ServiceProcess execution;
  private final ServiceProcess gateway;
  private final Map<String, TestDatabase> databases;
  private final String meteredTenant;
  private final RunEventConsumer runEvents;
  private final List<BiConsumer<String, Reply>> replyWatchers = new CopyOnWriteArrayList<>();

  private Platform(
      ServiceProcess registry,
      ServiceProcess approval,
      ServiceProcess execution,
      ServiceProcess gateway,
      Map<String, TestDatabase> databases,
      String meteredTenant,
      RunEventConsumer runEvents) {
    this.registry = registry;
    this.approval = approval;
    this.execution = execution;
    this.gateway = gateway;
    this.databases = databases;
    this.meteredTenant = meteredTenant;
    this.runEvents = runEvents;
  }

  /** The platform of this test JVM, started on first use (about half a minute). */
  public static synchronized Platform get() {
    if (failedToStart != null) {
      // Starting again would put a second set of services into the first one's consumer groups,
      // where they would take each other's messages: every later test would fail for that.
      throw new IllegalStateException("The platform did not start in this JVM", failedToStart);
    }
    if (started == null) {
      try {
        started = start();
      } catch (RuntimeException e) {
        failedToStart = e;
        throw e;
      }
    }
    return started;
  }

  private static Platform start() {
    // PostgreSQL and Kafka start side by side; the topics exist before any service subscribes.
    CompletableFuture<TestPostgres> postgres = CompletableFuture.supplyAsync(TestPostgres::get);
    TestKafka kafka = TestKafka.get();
    List<String> topics = new ArrayList<>(Topics.ALL);
    topics.add(Topics.deadLetter(Topics.RUNS_REQUESTED));
    kafka.createTopics(topics.toArray(String[]::new));
    TestPostgres databases = postgres.join();
    String hostsFile = hostsFile().toString();
    String meteredTenant = "metered-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, TestDatabase> databaseOf =
        Map.of(
            "registry", databases.createDatabase("acceptance-registry"),
            "approval", databases.createDatabase("acceptance-approval"),
            "execution", databases.createDatabase("acceptance-execution"),
            "gateway", databases.createDatabase("acceptance-gateway"));

    ServiceProcess registry =
        ServiceProcess.launch(
            ServiceSpec.registry("registry", databaseOf.get("registry"))
                .property("jdk.net.hosts.file", hostsFile));
    ServiceProcess approval =
        ServiceProcess.launch(
            ServiceSpec.approval("approval", databaseOf.get("approval"))
                .env("AGENTPLANE_WEBHOOK_REQUIRE_HTTPS", "false")
                .env("AGENTPLANE_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
                .property("jdk.net.hosts.file", hostsFile));
    ServiceProcess execution =
        ServiceProcess.launch(
            ServiceSpec.execution(
                    "execution", databaseOf.get("execution"), registry.uri(), approval.uri())
                .env("AGENTPLANE_EXECUTION_WORKERS_LEASE_DURATION", "6s")
                .env("AGENTPLANE_EXECUTION_WORKERS_RENEW_EVERY", "1s")
                .env("AGENTPLANE_EXECUTION_WORKERS_SWEEP_EVERY", "1s")
                .env("AGENTPLANE_EXECUTION_WORKERS_UNCLAIMED_AFTER", "3s")
                .property("jdk.net.hosts.file", hostsFile));
    ServiceProcess gateway =
        ServiceProcess.launch(
            ServiceSpec.gateway(
                    "gateway",
                    databaseOf.get("gateway"),
                    registry.uri(),
                    execution.uri(),
                    approval.uri())
                .property("agentplane.gateway.rate-limit.tiers.standard.tenant-requests", "100000")
                .property(
                    "agentplane.gateway.rate-limit.tiers.standard.principal-requests", "50000")
                .property("agentplane.gateway.rate-limit.tiers.metered.tenant-requests", "200")
                .property("agentplane.gateway.rate-limit.tiers.metered.tenant-window", "1m")
                .property(
                    "agentplane.gateway.rate-limit.tiers.metered.principal-requests",
                    Integer.toString(METERED_PRINCIPAL_REQUESTS_PER_MINUTE))
                .property("agentplane.gateway.rate-limit.tiers.metered.principal-window", "1m")
                .property("agentplane.gateway.rate-limit.tenant-tiers." + meteredTenant, "metered")
                .property("jdk.net.hosts.file", hostsFile));
    List<ServiceProcess> all = List.of(registry, approval, execution, gateway);
    try {
      all.stream()
          .map(service -> CompletableFuture.runAsync(service::awaitHealthy))
          .toList()
          .forEach(CompletableFuture::join);
    } catch (RuntimeException e) {
      all.forEach(ServiceProcess::stop);
      throw e;
    }
    return new Platform(
        registry,
        approval,
        execution,
        gateway,
        databaseOf,
        meteredTenant,
        RunEventConsumer.start(kafka.bootstrapServers()));
  }

  /**
   * The names the services may resolve: loopback under its usual names and this machine's, and
   * {@link #LOOPBACK_ALIAS}, as a DNS record an attacker published would.
   */
  private static Path hostsFile() {
    try {
      Path hosts = Files.createTempFile("acceptance-hosts-", ".txt");
      String machine = InetAddress.getLocalHost().getHostName();
      Files.writeString(
          hosts,
          String.join(
              "\n",
              "127.0.0.1 localhost",
              "::1 localhost",
              "127.0.0.1 " + machine,
              "127.0.0.1 " + LOOPBACK_ALIAS,
              "169.254.169.254 metadata.acceptance.test",
              ""));
      hosts.toFile().deleteOnExit();
      return hosts;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The gateway's address: the only door tests use. */
  public URI gatewayUri() {
    return gateway.uri();
  }

  /** HTTP through the gateway; every reply is also shown to the {@link #watchReplies} watchers. */
  public ServiceApi gateway() {
    return new ServiceApi(
        gateway.uri(),
        (request, reply) -> replyWatchers.forEach(watcher -> watcher.accept(request, reply)));
  }

  /**
   * Shows {@code watcher} every reply (with its request's method and path) that the gateway gives
   * any client made by {@link #gateway()}, the helpers' too, until the returned watch is closed:
   * what a leak check must read.
   */
  public Watch watchReplies(BiConsumer<String, Reply> watcher) {
    replyWatchers.add(watcher);
    return () -> replyWatchers.remove(watcher);
  }

  /** A watch of {@link #watchReplies}; closing it ends it. */
  public interface Watch extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Each service's database by service name ({@code registry}, {@code approval}, {@code execution},
   * {@code gateway}): only for checks of what the product stored, never to arrange a test.
   */
  public Map<String, TestDatabase> databases() {
    return databases;
  }

  /**
   * Opens a run's event stream through the gateway, after {@code lastEventId} when given (as an
   * {@code EventSource} reconnects).
   */
  public SseStream runEvents(String token, String runId, String lastEventId) {
    return SseStream.open(
        gateway.uri(),
        "/v1/runs/" + runId + "/events",
        token,
        lastEventId == null ? Map.of() : Map.of("Last-Event-ID", lastEventId));
  }

  /** The outside Kafka consumer of {@code agentplane.runs.events}, reading since the start. */
  public RunEventConsumer kafkaRunEvents() {
    return runEvents;
  }

  /** The one tenant on the narrow rate-limit tier. */
  public String meteredTenant() {
    return meteredTenant;
  }

  public ServiceProcess registryProcess() {
    return registry;
  }

  public ServiceProcess approvalProcess() {
    return approval;
  }

  public ServiceProcess executionProcess() {
    return execution;
  }

  public ServiceProcess gatewayProcess() {
    return gateway;
  }

  public List<ServiceProcess> processes() {
    return List.of(registry, approval, execution, gateway);
  }

  /** Starts again, side by side, every service a crash test left stopped. */
  public void ensureEveryServiceRuns() {
    processes().stream()
        .map(service -> CompletableFuture.runAsync(service::ensureRunning))
        .toList()
        .forEach(CompletableFuture::join);
  }
}
