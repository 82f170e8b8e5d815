package dev.agentplane.bench.flowable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.agentplane.bench.FixedRate;
import dev.agentplane.bench.Percentiles;
import dev.agentplane.bench.PollingApprover;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import org.flowable.common.engine.impl.history.HistoryLevel;
import org.flowable.common.engine.impl.persistence.StrongUuidGenerator;
import org.flowable.engine.ProcessEngine;
import org.flowable.engine.ProcessEngineConfiguration;
import org.flowable.engine.RuntimeService;
import org.flowable.engine.impl.cfg.StandaloneProcessEngineConfiguration;

/**
 * Scenario 3's peer, one step of its rate ladder in a JVM of its own (started by {@code
 * FlowableProcess}): Flowable's embedded engine on the given PostgreSQL database starts the peer
 * process at a fixed arrival rate while a polling approver completes its user tasks; after a
 * warm-up, the window between the {@code MEASURE-BEGIN} and {@code MEASURE-END} lines is measured
 * and its result written as JSON.
 */
public final class FlowablePeer {

  private static final String ENGINE = "flowable 7.2.0";
  private static final String PROCESS_KEY = "peerApproval";
  private static final String PROCESS_RESOURCE = "flowable/peer-approval.bpmn20.xml";
  private static final Duration FINISH_DEADLINE = Duration.ofSeconds(30);
  private static final Duration FINISH_POLL = Duration.ofMillis(20);
  private static final String REQUEST =
      "Refund order 4711 to the customer: the parcel arrived damaged and the photos show it";

  // The async executor, tuned as a demanding user would for a 2-core box whose PostgreSQL runs
  // on the same cores. A job is a short database transaction, so threads mostly wait on
  // PostgreSQL: eight (Flowable's default, and as many as the approver's deciders) keep both
  // cores busy without piling up contention; a fixed pool (core = max), because a
  // ThreadPoolExecutor only grows past its core when the queue is full, and then it is too late.
  private static final int EXECUTOR_THREADS = 8;
  // Jobs created while the executor is active are locked by this node and handed straight to its
  // queue after commit; only jobs the full queue rejected go back to the table to be acquired. A
  // deep queue (the default) absorbs bursts without that round trip.
  private static final int EXECUTOR_QUEUE = 2048;
  // The acquisition thread only finds rejected or leftover jobs, but when it does they must not
  // wait the default 10 s (nor 5 s when the queue was full): a 20 ms poll costs one indexed
  // query per tick when idle.
  private static final int ACQUIRE_WAIT_MILLIS = 20;
  private static final int QUEUE_FULL_WAIT_MILLIS = 20;
  private static final int JOBS_PER_ACQUISITION = 512;
  // Instances being started at once, as the worker pool of the service embedding the engine
  // would bound them; later starts wait their turn, charged from their due time. The bound is
  // not optional: Flowable hands a new async job to the executor from a COMMITTED transaction
  // listener, which runs in a new command with a connection of its own while the starter still
  // holds its first, so as many concurrent starters as connections deadlock the pool (until
  // MyBatis reclaims connections after 20 s). Eight keep PostgreSQL saturated here: sixteen
  // (--concurrent-starts 16) doubled the time of a start and completed no more.
  private static final int DEFAULT_CONCURRENT_STARTS = 8;

  // Two connections per starter, one per executor thread and per completing approver thread,
  // and the acquisition, timer and expired-job threads and the approver's query, with a few
  // spare (40 for eight starters). Fewer risks the deadlock above; more only queue inside
  // PostgreSQL.
  private static int databaseConnections(int concurrentStarts) {
    return 2 * concurrentStarts + EXECUTOR_THREADS + PollingApprover.DECIDING_THREADS + 8;
  }

  private FlowablePeer() {}

  /** The command line {@code FlowableProcess} passes. */
  record Arguments(
      String jdbcUrl,
      String user,
      String password,
      double perSecond,
      Duration warmup,
      Duration measured,
      Duration approverPoll,
      Path out,
      HistoryLevel history,
      int concurrentStarts) {

    static Arguments parse(String[] args) {
      Map<String, String> values = new HashMap<>();
      for (int i = 0; i + 1 < args.length; i += 2) {
        if (!args[i].startsWith("--")) {
          throw new IllegalArgumentException("Expected --name value, got " + args[i]);
        }
        values.put(args[i].substring(2), args[i + 1]);
      }
      return new Arguments(
          required(values, "jdbc-url"),
          required(values, "user"),
          "-".equals(required(values, "password")) ? "" : values.get("password"),
          Double.parseDouble(required(values, "rate")),
          Duration.ofSeconds(Long.parseLong(required(values, "warmup"))),
          Duration.ofSeconds(Long.parseLong(required(values, "duration"))),
          Duration.ofMillis(Long.parseLong(required(values, "approver-poll-ms"))),
          Path.of(required(values, "out")),
          HistoryLevel.getHistoryLevelForKey(values.getOrDefault("history", "activity")),
          Integer.parseInt(
              values.getOrDefault(
                  "concurrent-starts", Integer.toString(DEFAULT_CONCURRENT_STARTS))));
    }

    private static String required(Map<String, String> values, String name) {
      String value = values.get(name);
      if (value == null) {
        throw new IllegalArgumentException("Missing --" + name);
      }
      return value;
    }
  }

  public static void main(String[] args) {
    int exit;
    try {
      run(Arguments.parse(args));
      exit = 0;
    } catch (Throwable e) {
      e.printStackTrace(System.out);
      exit = 1;
    }
    System.out.flush();
    // The JDBC pool and the engine's own threads would keep the JVM alive.
    System.exit(exit);
  }

  private static void run(Arguments arguments) throws Exception {
    InstanceCompletions completions = new InstanceCompletions();
    long bootStart = System.nanoTime();
    ProcessEngine engine = configure(arguments, completions).buildProcessEngine();
    try {
      engine
          .getRepositoryService()
          .createDeployment()
          .name(PROCESS_KEY)
          .addClasspathResource(PROCESS_RESOURCE)
          .enableDuplicateFiltering()
          .deploy();
      System.out.printf(
          Locale.ROOT,
          "engine up and process deployed in %d ms; %.1f/s, %d s warm-up + %d s measured%n",
          (System.nanoTime() - bootStart) / 1_000_000,
          arguments.perSecond(),
          arguments.warmup().toSeconds(),
          arguments.measured().toSeconds());
      measure(arguments, engine, completions);
    } finally {
      close(engine);
    }
  }

  /**
   * The result is written by now; a failure to shut the engine down cleanly is reported but does
   * not void it.
   */
  private static void close(ProcessEngine engine) {
    try {
      engine.close();
    } catch (RuntimeException e) {
      System.out.println("closing the engine failed: " + e);
    }
  }

  private static ProcessEngineConfiguration configure(
      Arguments arguments, InstanceCompletions completions) {
    StandaloneProcessEngineConfiguration configuration = new StandaloneProcessEngineConfiguration();
    configuration
        .setJdbcUrl(arguments.jdbcUrl())
        .setJdbcUsername(arguments.user())
        .setJdbcPassword(arguments.password())
        .setJdbcDriver("org.postgresql.Driver")
        .setJdbcMaxActiveConnections(databaseConnections(arguments.concurrentStarts()))
        .setJdbcMaxIdleConnections(databaseConnections(arguments.concurrentStarts()))
        .setDatabaseSchemaUpdate(ProcessEngineConfiguration.DB_SCHEMA_UPDATE_TRUE);
    // Random UUIDs instead of the default blocks of ids handed out from ACT_GE_PROPERTY, which
    // every engine thread would contend for under load (Flowable's advice for high throughput).
    configuration.setIdGenerator(new StrongUuidGenerator());
    // Activity history by default: an approval's production user must be able to say, after an
    // instance ended, that it ran, when, and through which steps (the AgentPlane side keeps every
    // run and approval too); "none" would make the peer do less durable work per instance than
    // the system it is compared with. Audit-level history (every variable change, every task
    // detail) is more than a throughput-minded user keeps.
    configuration.setHistoryLevel(arguments.history());
    // Flowable's documented performance settings: counts kept on the execution and task rows
    // spare the queries for related entities when they end, and the execution tree of an
    // instance (two rows here) is fetched in one query.
    configuration
        .setEnableExecutionRelationshipCounts(true)
        .setEnableTaskRelationshipCounts(true)
        .setEnableEagerExecutionTreeFetching(true);
    // The process uses neither users and groups nor events; their engines would only add tables
    // and boot time.
    configuration.setDisableIdmEngine(true).setDisableEventRegistry(true);
    configuration
        .setAsyncExecutorActivate(true)
        .setAsyncExecutorCorePoolSize(EXECUTOR_THREADS)
        .setAsyncExecutorMaxPoolSize(EXECUTOR_THREADS)
        .setAsyncExecutorThreadPoolQueueSize(EXECUTOR_QUEUE)
        .setAsyncExecutorDefaultAsyncJobAcquireWaitTime(ACQUIRE_WAIT_MILLIS)
        .setAsyncExecutorDefaultQueueSizeFullWaitTime(QUEUE_FULL_WAIT_MILLIS)
        .setAsyncExecutorMaxAsyncJobsDuePerAcquisition(JOBS_PER_ACQUISITION)
        .setAsyncExecutorSecondsToWaitOnShutdown(10)
        // Jobs still queued when a step ends stay locked by this JVM's owner (for the default
        // hour) instead of being unlocked on shutdown: the next step of the ladder, on the same
        // database, must not spend its capacity on the previous step's backlog, and unlocking
        // races the executor threads still finishing their jobs.
        .setAsyncExecutorUnlockOwnedJobs(false);
    configuration.setBeans(Map.of(InstanceCompletions.BEAN, completions));
    return configuration;
  }

  private static void measure(
      Arguments arguments, ProcessEngine engine, InstanceCompletions completions) throws Exception {
    // Business keys are unique per JVM, so instances an earlier step left in the database are
    // never mistaken for this step's.
    String run = Long.toString(ProcessHandle.current().pid(), 36);
    Semaphore starting = new Semaphore(arguments.concurrentStarts());
    Starts warmup =
        new Starts(engine.getRuntimeService(), completions, starting, run + "-w-", false);
    Starts measured =
        new Starts(engine.getRuntimeService(), completions, starting, run + "-m-", true);
    try (PollingApprover approver =
        TaskApprover.start(engine.getTaskService(), arguments.approverPoll())) {
      warmup.atRate(arguments.perSecond(), arguments.warmup());

      long begin = System.nanoTime();
      completions.openWindow(begin);
      System.out.println("MEASURE-BEGIN");
      measured.atRate(arguments.perSecond(), arguments.measured());
      long end = System.nanoTime();
      completions.closeWindow(end);
      System.out.println("MEASURE-END");

      long deadline = System.nanoTime() + FINISH_DEADLINE.toNanos();
      while (completions.measuredOpen() > 0 && System.nanoTime() < deadline) {
        LockSupport.parkNanos(FINISH_POLL.toNanos());
      }

      double seconds = (end - begin) / 1e9;
      long completed = completions.completedInWindow();
      // A measured start that failed never finishes either, as a refused run on the AgentPlane
      // side does not.
      long unfinished = completions.measuredOpen() + measured.errors();
      Histogram latency = completions.measuredLatencyMicros();
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("engine", ENGINE);
      result.put("settings", settings(arguments));
      result.put("started", measured.started());
      result.put("completedInWindow", completed);
      result.put("runsPerSecond", completed / seconds);
      result.put("measuredSeconds", seconds);
      result.put("unfinished", unfinished);
      result.put("latencyMs", latency(latency));
      // Not a figure of the comparison: tells an engine that is slow to start instances from one
      // whose starts wait for their turn.
      result.put("startCallMs", latency(measured.callMicros()));
      result.put("startErrors", warmup.errors() + measured.errors());
      result.put("approverFailures", approver.failures());
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(arguments.out().toFile(), result);
      System.out.printf(
          Locale.ROOT,
          "%d started, %.1f/s completed in the window, p50 %.0f ms, p99 %.0f ms, %d unfinished,"
              + " %d start errors, %d approver failures%n",
          measured.started(),
          completed / seconds,
          Percentiles.millis(latency, 50),
          Percentiles.millis(latency, 99),
          unfinished,
          warmup.errors() + measured.errors(),
          approver.failures());
    }
  }

  /** Instances started at a fixed rate, each announced with its due time before it starts. */
  private static final class Starts {

    private final RuntimeService runtime;
    private final InstanceCompletions completions;
    private final String keyPrefix;
    private final boolean measured;
    private final Semaphore starting;
    private final LongAdder started = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final Histogram callMicros = new SynchronizedHistogram(3);

    Starts(
        RuntimeService runtime,
        InstanceCompletions completions,
        Semaphore starting,
        String keyPrefix,
        boolean measured) {
      this.runtime = runtime;
      this.starting = starting;
      this.completions = completions;
      this.keyPrefix = keyPrefix;
      this.measured = measured;
    }

    /**
     * Returns once every start has returned, as the AgentPlane side waits for every 202, or after a
     * minute more than the schedule: an engine that far behind has failed the step, which its
     * unfinished instances say, and must not fail the whole ladder.
     */
    void atRate(double perSecond, Duration duration) throws InterruptedException {
      List<Thread> starts = FixedRate.run(perSecond, duration, this::start);
      long deadline = System.nanoTime() + duration.plusSeconds(60).toNanos();
      for (Thread start : starts) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !start.join(Duration.ofNanos(left))) {
          System.out.println("starts still running a minute after their schedule ended");
          return;
        }
      }
    }

    private void start(long index, long dueNanos, long dueEpochMicros) throws InterruptedException {
      String businessKey = keyPrefix + index;
      completions.expect(businessKey, dueNanos, measured);
      starting.acquire();
      long calledAt = System.nanoTime();
      try {
        runtime.startProcessInstanceByKey(PROCESS_KEY, businessKey, Map.of("request", REQUEST));
        started.increment();
        callMicros.recordValue((System.nanoTime() - calledAt) / 1000);
      } catch (RuntimeException e) {
        completions.forget(businessKey);
        errors.increment();
        if (errors.sum() == 1) {
          System.out.println("first start error: " + e);
        }
      } finally {
        starting.release();
      }
    }

    long started() {
      return started.sum();
    }

    long errors() {
      return errors.sum();
    }

    /** How long the engine took to start an instance, once a start got its turn. */
    Histogram callMicros() {
      return callMicros;
    }
  }

  private static Map<String, Object> settings(Arguments arguments) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("offeredPerSecond", arguments.perSecond());
    settings.put("warmupSeconds", arguments.warmup().toSeconds());
    settings.put("measuredSeconds", arguments.measured().toSeconds());
    settings.put("historyLevel", arguments.history().getKey());
    settings.put("idGenerator", "StrongUuidGenerator");
    settings.put("asyncExecutorCorePoolSize", EXECUTOR_THREADS);
    settings.put("asyncExecutorMaxPoolSize", EXECUTOR_THREADS);
    settings.put("asyncExecutorQueueSize", EXECUTOR_QUEUE);
    settings.put("asyncJobAcquireWaitMillis", ACQUIRE_WAIT_MILLIS);
    settings.put("queueFullWaitMillis", QUEUE_FULL_WAIT_MILLIS);
    settings.put("maxAsyncJobsDuePerAcquisition", JOBS_PER_ACQUISITION);
    settings.put("concurrentStarts", arguments.concurrentStarts());
    settings.put("jdbcMaxActiveConnections", databaseConnections(arguments.concurrentStarts()));
    settings.put("serviceTask", "async, not exclusive (the only job of its instance)");
    settings.put(
        "performance", "execution and task relationship counts, eager execution tree fetching");
    settings.put("idmEngine", "disabled");
    settings.put("eventRegistry", "disabled");
    settings.put(
        "approver",
        "poll every "
            + arguments.approverPoll().toMillis()
            + " ms, pages of "
            + PollingApprover.PAGE
            + ", "
            + PollingApprover.DECIDING_THREADS
            + " completing threads");
    settings.put("latencyFrom", "due time of the start to the commit of the instance's end");
    return settings;
  }

  private static Map<String, Object> latency(Histogram micros) {
    Map<String, Object> latency = new LinkedHashMap<>();
    boolean any = micros.getTotalCount() > 0;
    latency.put("p50", any ? Percentiles.millis(micros, 50) : null);
    latency.put("p90", any ? Percentiles.millis(micros, 90) : null);
    latency.put("p99", any ? Percentiles.millis(micros, 99) : null);
    latency.put("max", any ? micros.getMaxValue() / 1000.0 : null);
    latency.put("count", micros.getTotalCount());
    return latency;
  }
}
