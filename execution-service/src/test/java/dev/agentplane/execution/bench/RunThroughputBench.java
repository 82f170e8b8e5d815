package dev.agentplane.execution.bench;

import static dev.agentplane.testkit.SpecJson.json;

import dev.agentplane.contracts.Topics;
import dev.agentplane.execution.loop.JournalCommitLoop;
import dev.agentplane.execution.support.RegistryFixture;
import dev.agentplane.execution.support.SharedRegistry;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Run throughput with the builtin scripted model and one builtin tool call per run (three steps:
 * model, tool, model), sustained for a measured window after a warm-up, beside a raw JDBC loop
 * inserting rows the size of this run's checkpoints, one per transaction, with as many connections
 * as the service's pool, on the same PostgreSQL in the same process. Runs are submitted over real
 * HTTP with at most {@code --in-flight} unfinished; figures come from the database (runs finished
 * and checkpoints written inside the window, run latency = finished_at − created_at).
 *
 * <p>Usage: {@code infra/scripts/bench-execution.sh [--warmup 15] [--duration 60] [--in-flight
 * 128]}. Method and recorded figures: docs/benchmarks.md § Execution runs.
 */
public final class RunThroughputBench {

  private static final int POOL = 20;

  // As many runs committing at once as one instance executes (workers.concurrency's default).
  private static final int JOURNAL_RUNS = 64;

  public static void main(String[] args) throws Exception {
    int warmup = 15;
    int duration = 60;
    int inFlight = 128;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
        case "--duration" -> duration = Integer.parseInt(args[i + 1]);
        case "--in-flight" -> inFlight = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("Unknown option " + args[i]);
      }
    }
    new RunThroughputBench().run(warmup, duration, inFlight);
    System.exit(0);
  }

  private void run(int warmupSeconds, int durationSeconds, int inFlight) throws Exception {
    TestKafka kafka = TestKafka.get();
    kafka.createTopics(Topics.ALL.toArray(String[]::new));
    TestPostgres.TestDatabase database = TestPostgres.get().createDatabase("RunThroughputBench");
    SharedRegistry.get();
    try (ApplicationContext context =
        ApplicationContext.builder()
            .properties(
                Map.of(
                    // The owner migrates; the service logs in as its roles (row-level security).
                    "agentplane.db.url", database.jdbcUrl(),
                    "agentplane.db.user", database.user(),
                    "agentplane.db.password", database.password(),
                    "datasources.default.maximum-pool-size", String.valueOf(POOL),
                    "kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "agentplane.jwt.secret", TestTokens.SECRET,
                    "micronaut.http.services.registry.url", SharedRegistry.get().uri().toString(),
                    "micronaut.server.port", "-1"))
            .start()) {
      EmbeddedServer server = context.getBean(EmbeddedServer.class);
      server.start();
      String tenant = "bench-" + UUID.randomUUID();
      RegistryFixture registry = new RegistryFixture();
      registry.activeTool(
          tenant,
          "echo",
          json(
              "{'description':'Echoes','type':'builtin','builtin':{'name':'echo'},'inputSchema':{'type':'object','properties':{'text':{'type':'string'}}},'risk':'low','approval':'never'}"));
      registry.activeAgent(
          tenant,
          "bench-agent",
          json(
              "{'description':'One tool call','kind':'assistant','model':{'provider':'builtin','name':'scripted','params':{'script':["
                  + "{'toolCalls':[{'tool':'echo','arguments':{'text':'{{input.text}}'}}]},"
                  + "{'answer':'Echoed: {{last}}'}]}},'instructions':'Echo the text.',"
                  + "'tools':[{'name':'echo','version':'active'}]}"));
      ServiceApi api = new ServiceApi(server.getURI());
      String token = TestTokens.standard().user(tenant, "bench-operator", "operator");

      try (Connection sql =
          DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password())) {
        sql.createStatement().execute("SET search_path TO execution");
        Driver driver = new Driver(api, token, inFlight, sql);
        System.out.printf("Warming up %d s ...%n", warmupSeconds);
        driver.drive(Duration.ofSeconds(warmupSeconds));
        // Statistics for the tables the warm-up filled, as autovacuum would give them before long:
        // on an empty table's statistics the planner would scan the run table for a key lookup.
        sql.createStatement().execute("ANALYZE");
        int rowBytes = averageCheckpointBytes(sql, tenant);

        System.out.printf(
            "Raw JDBC inserts of %d-byte rows, one loop, %d s ...%n", rowBytes, durationSeconds);
        double rawOneLoop = rawInserts(database, rowBytes, 1, Duration.ofSeconds(durationSeconds));
        System.out.printf(
            "Raw JDBC inserts of %d-byte rows, %d connections, %d s ...%n",
            rowBytes, POOL, durationSeconds);
        double rawPerSecond =
            rawInserts(database, rowBytes, POOL, Duration.ofSeconds(durationSeconds));

        System.out.printf(
            "Journal commits alone, %d runs committing steps, %d s ...%n",
            JOURNAL_RUNS, durationSeconds);
        double journalPerSecond =
            JournalCommitLoop.commitsPerSecond(
                context,
                sql,
                tenant,
                typicalCheckpoint(sql, tenant),
                JOURNAL_RUNS,
                Duration.ofSeconds(durationSeconds));

        System.out.printf("Runs, %d in flight, %d s ...%n", inFlight, durationSeconds);
        Window window = driver.drive(Duration.ofSeconds(durationSeconds));
        Figures figures = figures(sql, tenant, window);
        System.out.printf(
            "%nruns/s %.1f | checkpoint commits/s %.1f | steps/s %.1f | run latency p50 %.1f ms, p99 %.1f ms (%d runs)%n",
            figures.runsPerSecond,
            figures.checkpointsPerSecond,
            figures.stepsPerSecond,
            figures.latency.getValueAtPercentile(50) / 1000.0,
            figures.latency.getValueAtPercentile(99) / 1000.0,
            figures.latency.getTotalCount());
        System.out.printf(
            "of which accepted → claimed by a worker: p50 %.1f ms, p99 %.1f ms%n",
            figures.dispatch.getValueAtPercentile(50) / 1000.0,
            figures.dispatch.getValueAtPercentile(99) / 1000.0);
        System.out.printf(
            "raw inserts/s: one loop %.1f, %d connections %.1f (%d-byte rows, synchronous_commit %s)%n",
            rawOneLoop, POOL, rawPerSecond, rowBytes, setting(sql, "synchronous_commit"));
        System.out.printf(
            "checkpoint commits / raw inserts = %.2f of one loop, %.2f of %d connections%n",
            figures.checkpointsPerSecond / rawOneLoop,
            figures.checkpointsPerSecond / rawPerSecond,
            POOL);
        System.out.printf(
            "journal checkpoint commits/s alone %.1f | journal commits / raw inserts = %.2f of one"
                + " loop, %.2f of %d connections%n",
            journalPerSecond, journalPerSecond / rawOneLoop, journalPerSecond / rawPerSecond, POOL);
      }
    }
  }

  private record Window(long startMillis, long endMillis) {
    double seconds() {
      return (endMillis - startMillis) / 1000.0;
    }
  }

  private record Figures(
      double runsPerSecond,
      double checkpointsPerSecond,
      double stepsPerSecond,
      Histogram latency,
      Histogram dispatch) {}

  /**
   * Submits runs over HTTP, keeping at most {@code inFlight} unfinished (as the database says). The
   * reader looks up only the runs in flight, by primary key: counting every finished run of the
   * tenant instead costs PostgreSQL more than the runs themselves once thousands have finished.
   */
  private static final class Driver {
    private final ServiceApi api;
    private final String token;
    private final int inFlight;
    private final Connection sql;
    private final AtomicLong submitted = new AtomicLong();
    private final Set<UUID> unfinished = ConcurrentHashMap.newKeySet();

    Driver(ServiceApi api, String token, int inFlight, Connection sql) {
      this.api = api;
      this.token = token;
      this.inFlight = inFlight;
      this.sql = sql;
    }

    Window drive(Duration length) throws Exception {
      long start = System.currentTimeMillis();
      long end = start + length.toMillis();
      ExecutorService clients = Executors.newFixedThreadPool(8);
      Semaphore window = new Semaphore(inFlight - unfinished.size());
      List<Future<?>> loops = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        loops.add(
            clients.submit(
                () -> {
                  while (System.currentTimeMillis() < end) {
                    if (!window.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                      continue;
                    }
                    Reply reply =
                        api.post(
                            "/v1/runs",
                            token,
                            "{\"agent\":\"bench-agent\",\"input\":{\"text\":\"run "
                                + submitted.incrementAndGet()
                                + "\"}}");
                    if (reply.status() != 202) {
                      throw new IllegalStateException(reply.raw());
                    }
                    unfinished.add(UUID.fromString(reply.body().path("id").asText()));
                  }
                  return null;
                }));
      }
      // One reader releases window permits as runs finish, so submitters never outrun the service.
      ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor();
      reader.scheduleWithFixedDelay(
          () -> {
            try {
              int newly = releaseFinished();
              if (newly > 0) {
                window.release(newly);
              }
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          },
          20,
          20,
          TimeUnit.MILLISECONDS);
      for (Future<?> loop : loops) {
        loop.get();
      }
      reader.shutdownNow();
      reader.awaitTermination(5, TimeUnit.SECONDS);
      clients.shutdown();
      return new Window(start, end);
    }

    /** Forgets the runs in flight that have finished; answers how many. */
    private int releaseFinished() throws Exception {
      if (unfinished.isEmpty()) {
        return 0;
      }
      int released = 0;
      try (PreparedStatement finished =
          sql.prepareStatement(
              "SELECT id FROM run WHERE id = ANY(?) AND finished_at IS NOT NULL")) {
        finished.setArray(1, sql.createArrayOf("uuid", unfinished.toArray()));
        try (ResultSet rows = finished.executeQuery()) {
          while (rows.next()) {
            if (unfinished.remove(rows.getObject(1, UUID.class))) {
              released++;
            }
          }
        }
      }
      return released;
    }
  }

  /** A checkpoint of the median size among this tenant's, as the journal loop's template. */
  private static String typicalCheckpoint(Connection sql, String tenant) throws Exception {
    try (PreparedStatement pick =
        sql.prepareStatement(
            "SELECT state::text FROM run_checkpoint WHERE tenant_id = ?"
                + " ORDER BY octet_length(state::text) OFFSET"
                + " (SELECT count(*) / 2 FROM run_checkpoint WHERE tenant_id = ?) LIMIT 1")) {
      pick.setString(1, tenant);
      pick.setString(2, tenant);
      try (ResultSet rows = pick.executeQuery()) {
        rows.next();
        return rows.getString(1);
      }
    }
  }

  private static int averageCheckpointBytes(Connection sql, String tenant) throws Exception {
    try (PreparedStatement average =
        sql.prepareStatement(
            "SELECT avg(octet_length(state::text))::int FROM run_checkpoint WHERE tenant_id = ?")) {
      average.setString(1, tenant);
      try (ResultSet rows = average.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }

  private static String setting(Connection sql, String name) throws Exception {
    try (ResultSet rows = sql.createStatement().executeQuery("SHOW " + name)) {
      rows.next();
      return rows.getString(1);
    }
  }

  private static double rawInserts(
      TestPostgres.TestDatabase database, int rowBytes, int connections, Duration length)
      throws Exception {
    try (Connection setup =
            DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
        Statement statement = setup.createStatement()) {
      statement.execute(
          "CREATE TABLE IF NOT EXISTS public.bench_raw_insert (run_id uuid NOT NULL, seq int NOT NULL,"
              + " tenant_id text NOT NULL, state jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),"
              + " PRIMARY KEY (run_id, seq))");
    }
    String state = "{\"messages\":\"" + "x".repeat(Math.max(0, rowBytes - 16)) + "\"}";
    long end = System.currentTimeMillis() + length.toMillis();
    AtomicLong inserted = new AtomicLong();
    ExecutorService writers = Executors.newFixedThreadPool(connections);
    List<Future<?>> loops = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      loops.add(
          writers.submit(
              () -> {
                try (Connection connection =
                        DriverManager.getConnection(
                            database.jdbcUrl(), database.user(), database.password());
                    PreparedStatement insert =
                        connection.prepareStatement(
                            "INSERT INTO public.bench_raw_insert (run_id, seq, tenant_id, state)"
                                + " VALUES (?, 1, 'bench', ?::jsonb)")) {
                  while (System.currentTimeMillis() < end) {
                    insert.setObject(1, UUID.randomUUID());
                    insert.setString(2, state);
                    insert.executeUpdate();
                    inserted.incrementAndGet();
                  }
                }
                return null;
              }));
    }
    for (Future<?> loop : loops) {
      loop.get();
    }
    writers.shutdown();
    return inserted.get() / (length.toMillis() / 1000.0);
  }

  private static Figures figures(Connection sql, String tenant, Window window) throws Exception {
    java.sql.Timestamp from = new java.sql.Timestamp(window.startMillis());
    java.sql.Timestamp to = new java.sql.Timestamp(window.endMillis());
    Histogram latency = new Histogram(3);
    Histogram dispatch = new Histogram(3);
    long runs = 0;
    long steps = 0;
    try (PreparedStatement finished =
        sql.prepareStatement(
            "SELECT (extract(epoch FROM finished_at - created_at) * 1000000)::bigint, steps,"
                + " (extract(epoch FROM started_at - created_at) * 1000000)::bigint FROM run"
                + " WHERE tenant_id = ? AND finished_at >= ? AND finished_at < ?")) {
      finished.setString(1, tenant);
      finished.setTimestamp(2, from);
      finished.setTimestamp(3, to);
      try (ResultSet rows = finished.executeQuery()) {
        while (rows.next()) {
          latency.recordValue(Math.max(1, rows.getLong(1)));
          steps += rows.getInt(2);
          dispatch.recordValue(Math.max(1, rows.getLong(3)));
          runs++;
        }
      }
    }
    long checkpoints;
    try (PreparedStatement count =
        sql.prepareStatement(
            "SELECT count(*) FROM run_checkpoint WHERE tenant_id = ? AND created_at >= ? AND created_at < ?")) {
      count.setString(1, tenant);
      count.setTimestamp(2, from);
      count.setTimestamp(3, to);
      try (ResultSet rows = count.executeQuery()) {
        rows.next();
        checkpoints = rows.getLong(1);
      }
    }
    double seconds = window.seconds();
    return new Figures(runs / seconds, checkpoints / seconds, steps / seconds, latency, dispatch);
  }
}
