package dev.agentplane.execution.bench;

import static dev.agentplane.testkit.SpecJson.json;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.agentplane.contracts.Topics;
import dev.agentplane.execution.support.RegistryFixture;
import dev.agentplane.execution.support.SharedRegistry;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.ServiceProcess;
import dev.agentplane.testkit.ServiceSpec;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.awaitility.core.ConditionFactory;

/**
 * Durable human-in-the-loop figures, with every service a real process: the execution service under
 * test as a child JVM (G1, 1 GiB heap cap, full JIT), the real approval service and registry as
 * child JVMs, on the testkit's PostgreSQL and Kafka. An agent calls one gated {@code http} tool (a
 * loopback server in this JVM that notes when each call arrives) and answers.
 *
 * <ol>
 *   <li><b>Decision recorded → tool invoked</b>: one run at a time parks, its approval request
 *       reaches the approval service, an approver approves it over the approval API; the time from
 *       that API's answer (the decision is committed) to the tool's request arriving at the tool
 *       server: outbox relay → Kafka → execution's gate listener → queued run → claim → commit of
 *       {@code tool.started} → HTTP call.
 *   <li><b>Many runs waiting</b>: {@code --waiting} runs park; the execution service's heap after a
 *       full GC ({@code jcmd GC.run}, then {@code GC.heap_info}) before and with them; then the
 *       time to resume one of them (as above, and until the run ended).
 *   <li><b>Kill → resumed</b>: a second instance runs beside the first; a run's tool call hangs on
 *       whichever instance took the run after its decision, which is killed with SIGKILL; the time
 *       until the survivor commits {@code run.resumed} for it, with the default lease (30 s) and
 *       sweep (5 s).
 * </ol>
 *
 * <p>Usage: {@code infra/scripts/bench-approvals.sh [--samples 200] [--waiting 10000] [--kills 3]}.
 * Method and recorded figures: docs/benchmarks.md § Durable approvals.
 */
public final class ApprovalWaitBench {

  private static final List<String> SERVICE_JVM = List.of("-XX:+UseG1GC", "-Xms256m", "-Xmx1g");
  // "garbage-first heap   total 262144K, used 31395K" up to JDK 21; JDK 25 adds "reserved" and
  // "committed" figures before "used".
  private static final Pattern G1_USED =
      Pattern.compile("garbage-first heap\\s+total.*?used (\\d+)K");

  private final TestTokens tokens = TestTokens.standard();

  public static void main(String[] args) throws Exception {
    int samples = 200;
    int waiting = 10_000;
    int kills = 3;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--samples" -> samples = Integer.parseInt(args[i + 1]);
        case "--waiting" -> waiting = Integer.parseInt(args[i + 1]);
        case "--kills" -> kills = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("Unknown option " + args[i]);
      }
    }
    new ApprovalWaitBench().run(samples, waiting, kills);
    System.exit(0);
  }

  private void run(int samples, int waiting, int kills) throws Exception {
    TestKafka.get().createTopics(Topics.ALL.toArray(String[]::new));
    ServiceProcess registry = SharedRegistry.get();
    ServiceProcess approval =
        ServiceProcess.start(
            ServiceSpec.approval("approval", TestPostgres.get().createDatabase("bench-approval"))
                .jvm(SERVICE_JVM));
    TestPostgres.TestDatabase database = TestPostgres.get().createDatabase("bench-execution");
    ServiceSpec execution =
        ServiceSpec.execution("execution-a", database, registry.uri(), approval.uri())
            .jvm(SERVICE_JVM);
    ServiceProcess first = ServiceProcess.start(execution);
    try (ToolServer tool = ToolServer.start();
        Connection sql =
            DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password())) {
      sql.createStatement().execute("SET search_path TO execution");
      String tenant = "bench-" + UUID.randomUUID();
      registerGatedPayer(tenant, tool);
      Stack stack =
          new Stack(
              new ServiceApi(first.uri()),
              new ServiceApi(approval.uri()),
              tokens.user(tenant, "bench-operator", "operator"),
              tokens.user(tenant, "bench-approver", "approver"),
              sql,
              tool);

      System.out.printf("Decision recorded → tool invoked, %d runs one at a time ...%n", samples);
      // As many warm-up decisions as measured ones, not recorded: the services' JIT settles.
      for (int i = 0; i < samples; i++) {
        stack.approveAndTime(stack.parkedRun());
      }
      Histogram decisionToTool = new Histogram(3);
      for (int i = 0; i < samples; i++) {
        decisionToTool.recordValue(stack.approveAndTime(stack.parkedRun()).toolMicros());
      }
      print("decision recorded → tool invoked", decisionToTool);

      long baseline = heapAfterFullGc(first.pid());
      System.out.printf("Parking %d runs ...%n", waiting);
      List<UUID> parked = stack.park(waiting);
      long withWaiting = heapAfterFullGc(first.pid());
      System.out.printf(
          "execution-service heap after full GC: %.1f MiB before, %.1f MiB with %d runs waiting"
              + " (%.1f KiB per waiting run)%n",
          baseline / 1024.0 / 1024,
          withWaiting / 1024.0 / 1024,
          waiting,
          (withWaiting - baseline) / 1024.0 / waiting);
      Histogram resumeToTool = new Histogram(3);
      Histogram resumeToEnd = new Histogram(3);
      for (int i = 0; i < Math.min(50, parked.size()); i++) {
        Resumed resumed = stack.approveAndTime(parked.get(i * (parked.size() / 50)));
        resumeToTool.recordValue(resumed.toolMicros());
        resumeToEnd.recordValue(stack.awaitEnded(resumed.runId(), resumed.recordedNanos()));
      }
      print("one of the waiting runs: decision recorded → tool invoked", resumeToTool);
      print("one of the waiting runs: decision recorded → run succeeded", resumeToEnd);

      System.out.printf("Kill → resumed, %d kills, default lease ...%n", kills);
      ServiceProcess second =
          ServiceProcess.start(
              ServiceSpec.execution("execution-b", database, registry.uri(), approval.uri())
                  .jvm(SERVICE_JVM));
      List<Double> killToResumed = new ArrayList<>();
      List<ServiceProcess> instances = List.of(first, second);
      for (int i = 0; i < kills; i++) {
        killToResumed.add(stack.killMidCallAndTime(instances));
      }
      System.out.printf("kill -9 → run.resumed by the other instance: %s s%n", killToResumed);
      second.stop();
    } finally {
      first.stop();
      approval.stop();
    }
  }

  private record Resumed(UUID runId, long recordedNanos, long toolMicros) {}

  /** The services as the bench drives them. */
  private record Stack(
      ServiceApi execution,
      ServiceApi approvals,
      String operator,
      String approver,
      Connection sql,
      ToolServer tool) {

    /**
     * Starts a run and waits until it is parked and its request is open in the approval service.
     */
    UUID parkedRun() throws Exception {
      UUID runId = start();
      awaitParked(Set.of(runId), Duration.ofSeconds(30));
      return runId;
    }

    UUID start() {
      Reply accepted =
          execution.post("/v1/runs", operator, "{\"agent\":\"payer\",\"input\":\"pay\"}");
      if (accepted.status() != 202) {
        throw new IllegalStateException("Intake refused the run: " + accepted.raw());
      }
      return UUID.fromString(accepted.body().path("id").asText());
    }

    /** Starts {@code count} runs, 16 requests at a time, and waits until all of them are parked. */
    List<UUID> park(int count) throws Exception {
      Set<UUID> started = ConcurrentHashMap.newKeySet();
      Semaphore inFlight = new Semaphore(16);
      CountDownLatch done = new CountDownLatch(count);
      try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < count; i++) {
          inFlight.acquire();
          threads.execute(
              () -> {
                try {
                  started.add(start());
                } finally {
                  inFlight.release();
                  done.countDown();
                }
              });
        }
        done.await();
      }
      awaitParked(started, Duration.ofMinutes(15));
      return new ArrayList<>(started);
    }

    /** Waits until every run is parked and its approval request open in the approval service. */
    void awaitParked(Set<UUID> runs, Duration within) {
      ConditionFactory polling = await().atMost(within).pollInterval(Duration.ofMillis(20));
      for (UUID runId : runs) {
        UUID approvalId = polling.until(() -> parkedApproval(runId), Objects::nonNull);
        polling.until(() -> approvals.get("/v1/approvals/" + approvalId, approver).status() == 200);
      }
    }

    /** Approves the run's request over the approval API; times until the tool call arrives. */
    Resumed approveAndTime(UUID runId) throws Exception {
      UUID approvalId = parkedApproval(runId);
      String key = runId + ":" + toolCallId(runId);
      Reply decided =
          approvals.post(
              "/v1/approvals/" + approvalId + "/decisions", approver, "{\"decision\":\"approve\"}");
      long recorded = System.nanoTime();
      if (decided.status() != 200) {
        throw new IllegalStateException("The approval service refused: " + decided.raw());
      }
      long arrived = tool.awaitArrival(key, Duration.ofSeconds(30));
      return new Resumed(runId, recorded, (arrived - recorded) / 1000);
    }

    /** Micros from {@code since} until the run succeeded, polled every millisecond. */
    long awaitEnded(UUID runId, long since) {
      await("run " + runId + " to succeed")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(1))
          .until(() -> "succeeded".equals(status(runId)));
      return (System.nanoTime() - since) / 1000;
    }

    /**
     * Starts a run whose approved tool call hangs on whichever instance took it after the decision,
     * kills that instance with SIGKILL, and times until the other committed {@code run.resumed} for
     * the run; then starts the killed one again.
     */
    double killMidCallAndTime(List<ServiceProcess> instances) throws Exception {
      UUID runId = parkedRun();
      String key = runId + ":" + toolCallId(runId);
      tool.hang(key);
      UUID approvalId = parkedApproval(runId);
      approvals.post(
          "/v1/approvals/" + approvalId + "/decisions", approver, "{\"decision\":\"approve\"}");
      tool.awaitArrival(key, Duration.ofSeconds(30));
      String holder = leaseOwner(runId);
      ServiceProcess victim = ServiceProcess.namedByLeaseOwner(holder, instances);
      long killed = System.nanoTime();
      victim.kill();
      await("run " + runId + " to be resumed after the kill of " + holder)
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> resumes(runId) >= 2);
      double seconds = (System.nanoTime() - killed) / 1e9;
      tool.release(key);
      victim.restart();
      return Math.round(seconds * 10) / 10.0;
    }

    private UUID parkedApproval(UUID runId) throws Exception {
      try (PreparedStatement select =
          sql.prepareStatement(
              "SELECT g.approval_id FROM run_gate g JOIN run r ON r.id = g.run_id"
                  + " WHERE r.id = ? AND r.status = 'waiting_approval' AND g.status = 'waiting'")) {
        select.setObject(1, runId);
        try (ResultSet rows = select.executeQuery()) {
          return rows.next() ? rows.getObject(1, UUID.class) : null;
        }
      }
    }

    private String toolCallId(UUID runId) throws Exception {
      return single("SELECT tool_call_id FROM run_gate WHERE run_id = ?", runId);
    }

    private String status(UUID runId) throws Exception {
      return single("SELECT status FROM run WHERE id = ?", runId);
    }

    private String leaseOwner(UUID runId) throws Exception {
      return single("SELECT lease_owner FROM run WHERE id = ?", runId);
    }

    private int resumes(UUID runId) throws Exception {
      return Integer.parseInt(
          single(
              "SELECT count(*) FROM run_event WHERE run_id = ? AND type = 'run.resumed'", runId));
    }

    private String single(String query, UUID runId) throws Exception {
      try (PreparedStatement select = sql.prepareStatement(query)) {
        select.setObject(1, runId);
        try (ResultSet rows = select.executeQuery()) {
          return rows.next() ? rows.getString(1) : null;
        }
      }
    }
  }

  private void registerGatedPayer(String tenant, ToolServer tool) {
    RegistryFixture registry = new RegistryFixture();
    registry.activeTool(
        tenant,
        "pay",
        json(
            "{'description':'Pays','type':'http','http':{'method':'POST','url':'"
                + tool.url()
                + "','timeoutMs':120000,'idempotent':true},'inputSchema':{'type':'object'},"
                + "'risk':'low','approval':'always'}"));
    registry.activeAgent(
        tenant,
        "payer",
        json(
            "{'description':'Pays once','kind':'assistant','model':{'provider':'builtin',"
                + "'name':'scripted','params':{'script':[{'toolCalls':[{'tool':'pay',"
                + "'arguments':{'amount':1}}]},{'answer':'paid'}]}},'instructions':'Pay.',"
                + "'tools':[{'name':'pay','version':'active'}]}"));
  }

  /** Used heap after a full GC of {@code pid}, in bytes (G1's {@code GC.heap_info}). */
  private static long heapAfterFullGc(long pid) throws Exception {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    Matcher used = G1_USED.matcher(info);
    if (!used.find()) {
      throw new IllegalStateException("No G1 heap line in:\n" + info);
    }
    return Long.parseLong(used.group(1)) * 1024;
  }

  private static String jcmd(long pid, String command) throws Exception {
    String javaHome = System.getProperty("java.home");
    Process jcmd =
        new ProcessBuilder(javaHome + "/bin/jcmd", String.valueOf(pid), command)
            .redirectErrorStream(true)
            .start();
    String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + command + " failed:\n" + out);
    }
    return out;
  }

  private static void print(String what, Histogram micros) {
    System.out.printf(
        "%s: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d samples)%n",
        what,
        micros.getValueAtPercentile(50) / 1000.0,
        micros.getValueAtPercentile(99) / 1000.0,
        micros.getMaxValue() / 1000.0,
        micros.getTotalCount());
  }

  /**
   * The tool's server: answers every call at once (or holds the calls of a key told to hang),
   * noting when each idempotency key first arrived.
   */
  private static final class ToolServer implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, Long> arrivals = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> hanging = new ConcurrentHashMap<>();

    private ToolServer(HttpServer server) {
      this.server = server;
    }

    static ToolServer start() throws IOException {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      ToolServer tool = new ToolServer(server);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.createContext(
          "/pay",
          exchange -> {
            String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            if (key != null) {
              tool.arrivals.putIfAbsent(key, System.nanoTime());
              CountDownLatch hold = tool.hanging.get(key);
              if (hold != null) {
                try {
                  hold.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            }
            byte[] body = "{\"paid\":true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
      server.start();
      return tool;
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/pay";
    }

    void hang(String key) {
      hanging.put(key, new CountDownLatch(1));
    }

    void release(String key) {
      CountDownLatch hold = hanging.remove(key);
      if (hold != null) {
        hold.countDown();
      }
    }

    /**
     * When the key first arrived ({@link System#nanoTime()}, taken by the server as the request
     * came in, so the polling interval does not enter the figure).
     */
    long awaitArrival(String key, Duration within) {
      return await("the call " + key)
          .atMost(within)
          .pollInterval(Duration.ofMillis(1))
          .until(() -> arrivals.get(key), Objects::nonNull);
    }

    @Override
    public void close() {
      hanging.values().forEach(CountDownLatch::countDown);
      server.stop(0);
    }
  }
}
