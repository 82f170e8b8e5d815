package dev.agentplane.bench.runs;

import dev.agentplane.bench.BenchSettings;
import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.BenchTenant;
import dev.agentplane.bench.FixedRate;
import dev.agentplane.bench.Percentiles;
import dev.agentplane.bench.ProcessCpu;
import dev.agentplane.bench.Scenario;
import dev.agentplane.bench.ScenarioReport;
import dev.agentplane.bench.ScenarioReport.Figure;
import dev.agentplane.bench.runs.RunLedger.Built;
import dev.agentplane.bench.runs.RunLoad.Submitted;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Scenario 9, noisy neighbour: "a tenant submitting 10,000 runs cannot move another tenant's p99
 * start latency by more than 2×". A quiet tenant B submits checkpointed runs at a low fixed rate
 * through the gateway, first alone, then while a tenant A sends 10,000 run requests as fast as 64
 * clients can; B's start latency in both phases, and what A's requests were answered.
 *
 * <p>B's start latency runs from when its request was due to the commit of its first checkpoint
 * (the first step made durable, read with {@code pg_xact_commit_timestamp}): it holds the wait for
 * the 202 (intake is shared with A), the wait in the queue (the workers are shared with A's runs)
 * and the first step itself. The run's {@code started_at} would leave out intake and is the claim
 * transaction's start rather than a commit. A run of B that has not started when the figures are
 * read counts with the time it has waited so far, so a starved run raises the p99 instead of
 * vanishing from it.
 *
 * <p>The flood phase lasts while A's flood is in the platform: until every run A got accepted has
 * finished (at least as long as the baseline, at most a bound, after which A sends nothing more
 * either), so B's window covers the queue A leaves behind as well as its submissions.
 */
public final class NoisyNeighbourScenario implements Scenario {

  // 10/s rather than the quieter 5/s: a p99 needs a couple of hundred samples per phase.
  private static final double QUIET_RATE = 10;
  private static final int FLOOD_RUNS = 10_000;
  private static final int FLOOD_CLIENTS = 64;
  private static final double MOST_MOVED = 2;
  private static final Duration DRAIN = Duration.ofSeconds(30);
  private static final int FIRST_FLOOD_SECONDS = 45;

  /**
   * System property: the longest the measured flood may go on sending (default 90 s). A's requests
   * wait for their turn, so its 64 clients send about 30 a second: all 10,000 take about 330 s.
   */
  public static final String FLOOD_SECONDS_PROPERTY = "agentplane.bench.noisy.flood-seconds";

  @Override
  public String id() {
    return "noisy";
  }

  @Override
  public String title() {
    return "9. Noisy neighbour";
  }

  @Override
  public ScenarioReport run(BenchStack stack, BenchSettings settings) throws Exception {
    ScenarioReport report = new ScenarioReport(id(), title());
    BenchTenant quiet = BenchTenant.named("quiet", stack);
    BenchTenant noisy = BenchTenant.withId(BenchTenant.NOISY_TENANT, stack);
    EchoAgent.register(quiet);
    EchoAgent.register(noisy);
    RunLedger ledger = new RunLedger(stack);
    Duration warmup = settings.window(5);
    Duration alone = settings.window(20);
    Duration longestFlood = settings.window(Integer.getInteger(FLOOD_SECONDS_PROPERTY, 90));
    int floodRuns = settings.count(FLOOD_RUNS);
    report.setting("agent", "the checkpointed-steps agent (3 steps), in both tenants");
    report.setting(
        "B",
        String.format(
            Locale.ROOT,
            "%.0f runs/s fixed arrival through the gateway: after A's first flood (%d s,"
                + " unrecorded) %d s unrecorded, %d s alone, then through A's flood",
            QUIET_RATE,
            settings.window(FIRST_FLOOD_SECONDS).toSeconds(),
            warmup.toSeconds(),
            alone.toSeconds()));
    report.setting(
        "A",
        floodRuns
            + " POST /v1/runs through the gateway from "
            + FLOOD_CLIENTS
            + " clients in a closed loop, ignoring Retry-After (rate limits never refuse in the"
            + " suite: only quotas can; A alone keeps the deployment's default step rate)");
    report.setting(
        "start latency",
        "B's due time → its first checkpoint committed; a run not started when read counts"
            + " with its wait so far");

    // A floods once unrecorded first, so that the services' JIT has compiled what a flood runs
    // (the waits, the 429s, the rates) before either phase is measured, as in a deployment that
    // has met a flood before; on two cores the compilers otherwise took a third of the machine
    // in the first 30 s of the measured flood.
    RunFlood firstFlood =
        new RunFlood(stack.gateway().uri(), noisy.admin(), EchoAgent.RUN_REQUEST)
            .submit(floodRuns, FLOOD_CLIENTS, settings.window(FIRST_FLOOD_SECONDS));
    ledger.awaitFinished(firstFlood.accepted(), Duration.ofSeconds(120));
    System.out.printf(Locale.ROOT, "    A's first flood, unrecorded: %s%n", firstFlood.statuses());
    RunLoad settling = quietLoad(stack, quiet).submit(QUIET_RATE, warmup);
    ledger.awaitFinished(settling.accepted().keySet(), Duration.ofSeconds(60));

    ProcessCpu cpu = stack.cpu();
    ProcessCpu.Sample beforeAlone = cpu.sample();
    RunLoad aloneLoad = quietLoad(stack, quiet).submit(QUIET_RATE, alone);
    ProcessCpu.Sample afterAlone = cpu.sample();
    ledger.awaitFinished(aloneLoad.accepted().keySet(), DRAIN);
    QuietRuns baseline = QuietRuns.read(ledger, aloneLoad, Long.MAX_VALUE, Long.MAX_VALUE);
    report.cpu(
        "B alone", "run", afterAlone.millisPerOperation(beforeAlone, aloneLoad.accepted().size()));

    ProcessCpu.Sample beforeFlood = cpu.sample();
    long floodStarted = System.nanoTime();
    long floodStartedAt = FixedRate.epochMicros();
    AtomicBoolean floodOver = new AtomicBoolean();
    RunLoad duringLoad = quietLoad(stack, quiet);
    CompletableFuture<Void> quietDuring =
        CompletableFuture.runAsync(
            () -> {
              try {
                duringLoad.submitUntil(QUIET_RATE, longestFlood, floodOver::get);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
              }
            },
            runnable -> Thread.ofPlatform().name("quiet-tenant").start(runnable));
    RunFlood flood =
        new RunFlood(stack.gateway().uri(), noisy.admin(), EchoAgent.RUN_REQUEST)
            .submit(floodRuns, FLOOD_CLIENTS, longestFlood);
    double floodSubmitSeconds = (System.nanoTime() - floodStarted) / 1e9;
    long floodSubmittedAt = FixedRate.epochMicros();
    System.out.printf(
        Locale.ROOT,
        "    A: %d requests answered in %.1f s: %s%n",
        flood.sent(),
        floodSubmitSeconds,
        flood.statuses());
    Duration leftOfLongest = longestFlood.minusNanos(System.nanoTime() - floodStarted);
    ledger.awaitFinished(
        flood.accepted(), leftOfLongest.isNegative() ? Duration.ZERO : leftOfLongest);
    // A flood refused at once still leaves B a window as long as its baseline.
    long shortestEnd = floodStarted + alone.toNanos();
    long wait;
    while ((wait = shortestEnd - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
    }
    floodOver.set(true);
    double floodSeconds = (System.nanoTime() - floodStarted) / 1e9;
    quietDuring.join();
    System.out.printf(Locale.ROOT, "    flood window %.1f s%n", floodSeconds);

    Set<UUID> everyFloodRun = new HashSet<>(flood.accepted());
    everyFloodRun.addAll(duringLoad.accepted().keySet());
    ledger.awaitFinished(everyFloodRun, DRAIN);
    ProcessCpu.Sample afterFlood = cpu.sample();
    QuietRuns during = QuietRuns.read(ledger, duringLoad, floodSubmittedAt, floodStartedAt);
    long noisyUnfinished = ledger.awaitFinished(flood.accepted(), Duration.ZERO);
    report.cpu(
        "A's flood with B, until drained",
        "run accepted (A's and B's; A's refused requests cost CPU too)",
        afterFlood.millisPerOperation(
            beforeFlood, flood.accepted().size() + (long) duringLoad.accepted().size()));

    report.figure(
        "B start p50 alone (due → first checkpoint committed)",
        Percentiles.millis(baseline.toFirstCheckpoint(), 50),
        "ms");
    report.figure("B start p99 alone", Percentiles.millis(baseline.toFirstCheckpoint(), 99), "ms");
    report.add(moved("B start p50 during A's flood", baseline, during, 50));
    report.add(moved("B start p99 during A's flood", baseline, during, 99));
    report.figure("B due → 202 p99 alone", Percentiles.millis(baseline.toAccepted(), 99), "ms");
    report.figure(
        "B due → 202 p99 during A's flood", Percentiles.millis(during.toAccepted(), 99), "ms");
    Map<Integer, Long> statuses = flood.statuses();
    long accepted = statuses.getOrDefault(202, 0L);
    long refused = statuses.getOrDefault(429, 0L);
    report.figure("A's requests answered 202", accepted, "runs");
    report.figure("A's requests answered 429", refused, "runs");
    report.figure(
        "A's requests answered otherwise or not at all", flood.sent() - accepted - refused, "runs");
    report.figure("A's requests answered per second", flood.sent() / floodSubmitSeconds, "/s");
    report.setting("A's answers by status", statuses);
    report.setting(
        "flood window",
        String.format(
            Locale.ROOT,
            "%.1f s (A's requests answered in %.1f s, then until its accepted runs finished;"
                + " at least the baseline's length; none sent after %d s)",
            floodSeconds,
            floodSubmitSeconds,
            longestFlood.toSeconds()));
    String byWhenDue =
        String.format(
            Locale.ROOT,
            "while A's requests were being answered: %d runs, p50 %.1f ms, p99 %.1f ms; while"
                + " A's accepted runs drained: %d runs, p50 %.1f ms, p99 %.1f ms",
            during.earlyToFirstCheckpoint().getTotalCount(),
            Percentiles.millis(during.earlyToFirstCheckpoint(), 50),
            Percentiles.millis(during.earlyToFirstCheckpoint(), 99),
            during.lateToFirstCheckpoint().getTotalCount(),
            Percentiles.millis(during.lateToFirstCheckpoint(), 50),
            Percentiles.millis(during.lateToFirstCheckpoint(), 99));
    report.setting("B's stages alone", baseline.stages());
    report.setting("B's stages during A's flood", during.stages());
    report.setting("B start during A's flood, by when due", byWhenDue);
    System.out.println("    B alone: " + baseline.stages());
    System.out.println("    B during A's flood: " + during.stages());
    System.out.println("    B during A's flood, by when due: " + byWhenDue);
    report.setting("B start during A's flood, by 10 s of the flood", during.byTenSeconds());
    System.out.println("    B during A's flood, by 10 s of the flood: " + during.byTenSeconds());
    String slowestDuring = during.slowest(floodStartedAt);
    report.setting("B's slowest starts during A's flood (ms from due)", slowestDuring);
    System.out.println("    B's slowest starts during A's flood: " + slowestDuring);
    report.setting(
        "B runs measured",
        "alone "
            + aloneLoad.accepted().size()
            + ", during the flood "
            + duringLoad.accepted().size());

    if (flood.sent() < floodRuns) {
      report.note(
          String.format(
              Locale.ROOT,
              "A sent %d of its %d requests: the flood stops sending after %d s.",
              flood.sent(),
              floodRuns,
              longestFlood.toSeconds()));
    }
    if (noisyUnfinished > 0) {
      report.note(
          String.format(
              Locale.ROOT,
              "%d of A's %d accepted runs were unfinished %d s after the flood window; the"
                  + " scenarios after this one share the stack with them.",
              noisyUnfinished,
              flood.accepted().size(),
              DRAIN.toSeconds()));
    }
    if (flood.firstUnexpected() != null) {
      report.note(
          flood.failedRequests()
              + " of A's requests got no answer; first answer neither 202 nor 429: "
              + flood.firstUnexpected());
    }
    for (QuietRuns phase : new QuietRuns[] {baseline, during}) {
      if (phase.notStarted() > 0 || phase.load().refused() > 0) {
        report.note(
            String.format(
                Locale.ROOT,
                "B %s: %d runs refused (first: %s), %d had not started when read.",
                phase == baseline ? "alone" : "during the flood",
                phase.load().refused(),
                phase.load().firstRefusal(),
                phase.notStarted()));
      }
    }
    return report;
  }

  private static RunLoad quietLoad(BenchStack stack, BenchTenant quiet) {
    return new RunLoad(stack.gateway().uri(), quiet.admin(), EchoAgent.RUN_REQUEST);
  }

  /** B's percentile during the flood against B alone; a refused run of B misses the target. */
  private static Figure moved(
      String name, QuietRuns baseline, QuietRuns during, double percentile) {
    double before = Percentiles.millis(baseline.toFirstCheckpoint(), percentile);
    double now = Percentiles.millis(during.toFirstCheckpoint(), percentile);
    boolean comparable = before > 0 && !Double.isNaN(now);
    Double ratio = comparable ? now / before : null;
    return new Figure(
        name,
        now,
        "ms",
        "B alone",
        ratio,
        "≤ " + (int) MOST_MOVED,
        ratio == null ? null : ratio <= MOST_MOVED && during.load().refused() == 0);
  }

  /**
   * B's runs of one phase, read from the database.
   *
   * @param toFirstCheckpoint microseconds from due to the first checkpoint's commit
   * @param toAccepted microseconds from due to the 202
   * @param acceptedToClaim microseconds from the 202 to the claim (the run's {@code started_at})
   * @param claimToFirstCheckpoint microseconds from the claim to the first checkpoint's commit
   * @param earlyToFirstCheckpoint {@code toFirstCheckpoint} of the runs due before {@code splitAt}
   * @param lateToFirstCheckpoint {@code toFirstCheckpoint} of the runs due from {@code splitAt} on
   * @param notStarted runs without a checkpoint when read, counted with their wait so far
   * @param byTenSeconds {@code toFirstCheckpoint} by the 10 s of the phase the run was due in, to
   *     tell a tail spread over the phase from one made in a few seconds of it
   * @param slowest the runs of the p99's tail, slowest first, with where each one's time went
   */
  private record QuietRuns(
      RunLoad load,
      Histogram toFirstCheckpoint,
      Histogram toAccepted,
      Histogram acceptedToClaim,
      Histogram claimToFirstCheckpoint,
      Histogram earlyToFirstCheckpoint,
      Histogram lateToFirstCheckpoint,
      long notStarted,
      SortedMap<Long, Histogram> tenSecondsToFirstCheckpoint,
      List<RunTimeline> slowest) {

    /** How many of the slowest runs {@link #slowest()} tells: the tail of a p99 over ~900 runs. */
    private static final int SLOWEST = 10;

    /**
     * One run of B, each instant in epoch microseconds, null when it had not happened when read.
     */
    record RunTimeline(
        long due, Long intake, long accepted, Long claimed, Long committed, long toStart) {}

    static QuietRuns read(
        RunLedger ledger, RunLoad load, long splitAtEpochMicros, long phaseStartEpochMicros)
        throws SQLException {
      Map<UUID, Long> firstCommits = ledger.firstCheckpointCommits(load.accepted().keySet());
      Map<UUID, Built> built = ledger.builtAndClaimed(load.accepted().keySet());
      long readAt = FixedRate.epochMicros();
      Histogram toFirstCheckpoint = new Histogram(3);
      Histogram toAccepted = new Histogram(3);
      Histogram acceptedToClaim = new Histogram(3);
      Histogram claimToFirstCheckpoint = new Histogram(3);
      Histogram early = new Histogram(3);
      Histogram late = new Histogram(3);
      long notStarted = 0;
      SortedMap<Long, Histogram> byTenSeconds = new TreeMap<>();
      List<RunTimeline> timelines = new ArrayList<>();
      for (Submitted run : load.accepted().values()) {
        Long committed = firstCommits.get(run.runId());
        if (committed == null) {
          notStarted++;
        }
        long startedAt = committed == null ? readAt : committed;
        long toStart = Math.max(0, startedAt - run.dueEpochMicros());
        toFirstCheckpoint.recordValue(toStart);
        (run.dueEpochMicros() < splitAtEpochMicros ? early : late).recordValue(toStart);
        if (phaseStartEpochMicros != Long.MAX_VALUE) {
          byTenSeconds
              .computeIfAbsent(
                  Math.max(0, run.dueEpochMicros() - phaseStartEpochMicros) / 10_000_000,
                  tens -> new Histogram(3))
              .recordValue(toStart);
        }
        toAccepted.recordValue(Math.max(0, run.acceptedEpochMicros() - run.dueEpochMicros()));
        Built stages = built.get(run.runId());
        Long claimed = stages == null ? null : stages.claimedAt();
        timelines.add(
            new RunTimeline(
                run.dueEpochMicros(),
                stages == null ? null : stages.builtAt(),
                run.acceptedEpochMicros(),
                claimed,
                committed,
                toStart));
        if (claimed != null) {
          acceptedToClaim.recordValue(Math.max(0, claimed - run.acceptedEpochMicros()));
          if (committed != null) {
            claimToFirstCheckpoint.recordValue(Math.max(0, committed - claimed));
          }
        }
      }
      return new QuietRuns(
          load,
          toFirstCheckpoint,
          toAccepted,
          acceptedToClaim,
          claimToFirstCheckpoint,
          early,
          late,
          notStarted,
          byTenSeconds,
          timelines.stream()
              .sorted(Comparator.comparingLong(RunTimeline::toStart).reversed())
              .limit(SLOWEST)
              .toList());
    }

    /**
     * The slowest runs, each with when it was due in the phase and its stages: whether a tail came
     * from intake, the queue or the first step, and from which seconds of the phase. Each instant
     * is in ms from the one before (from due for the run's building and its 202); the claim can
     * come before the client has read its 202.
     */
    String slowest(long phaseStartEpochMicros) {
      StringBuilder text = new StringBuilder();
      for (RunTimeline run : slowest) {
        text.append(text.isEmpty() ? "" : "; ")
            .append(
                String.format(
                    Locale.ROOT,
                    "%.0f ms due at %.1f s (built by execution %s, 202 %.0f",
                    run.toStart() / 1000.0,
                    (run.due() - phaseStartEpochMicros) / 1e6,
                    run.intake() == null
                        ? "?"
                        : String.format(Locale.ROOT, "%.0f", (run.intake() - run.due()) / 1000.0),
                    (run.accepted() - run.due()) / 1000.0));
        if (run.claimed() != null) {
          text.append(
              String.format(
                  Locale.ROOT, ", claimed %+.0f", (run.claimed() - run.accepted()) / 1000.0));
          if (run.committed() != null) {
            text.append(
                String.format(
                    Locale.ROOT,
                    ", first checkpoint %+.0f",
                    (run.committed() - run.claimed()) / 1000.0));
          }
        }
        text.append(")");
      }
      return text.toString();
    }

    /** p50, p99 and the longest of the runs due in each 10 s of the phase. */
    String byTenSeconds() {
      StringBuilder text = new StringBuilder();
      tenSecondsToFirstCheckpoint.forEach(
          (tens, latencies) ->
              text.append(
                  String.format(
                      Locale.ROOT,
                      "%s%d–%d s: %s, longest %.0f ms",
                      text.isEmpty() ? "" : "; ",
                      tens * 10,
                      tens * 10 + 10,
                      p50p99(latencies),
                      latencies.getMaxValue() / 1000.0)));
      return text.toString();
    }

    /** Where B's start latency went, stage by stage, p50 and p99 of each. */
    String stages() {
      return String.format(
          Locale.ROOT,
          "due → 202 %s; 202 → claimed %s; claimed → first checkpoint committed %s",
          p50p99(toAccepted),
          p50p99(acceptedToClaim),
          p50p99(claimToFirstCheckpoint));
    }

    private static String p50p99(Histogram latencies) {
      return String.format(
          Locale.ROOT,
          "p50 %.1f ms, p99 %.1f ms",
          Percentiles.millis(latencies, 50),
          Percentiles.millis(latencies, 99));
    }
  }
}
