package dev.agentplane.bench.runs;

import dev.agentplane.bench.BenchSettings;
import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.BenchTenant;
import dev.agentplane.bench.Percentiles;
import dev.agentplane.bench.ProcessCpu;
import dev.agentplane.bench.RateLadder;
import dev.agentplane.bench.RateLadder.Step;
import dev.agentplane.bench.Scenario;
import dev.agentplane.bench.ScenarioReport;
import dev.agentplane.bench.ScenarioReport.Figure;
import dev.agentplane.bench.limits.LimitsScenario;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Scenario 2, checkpointed steps: runs of {@link EchoAgent} submitted straight to the execution
 * service at a fixed arrival rate. A fixed rate above what the stack completes measures only a
 * growing queue, so a ladder of short steps first finds the highest rate it sustains (which also
 * warms it up); that rate is then held for the measured window. Runs/s and step commits/s are
 * counted from the database in that window, as ratios of scenario 1's raw insert commits.
 */
public final class StepsScenario implements Scenario {

  private static final double[] LADDER = {60, 80, 100, 120, 160, 200, 240};
  private static final double WARMUP_RATE = 30;
  private static final double P99_LIMIT_MILLIS = 2000;
  private static final Duration DRAIN = Duration.ofSeconds(60);

  private final LimitsScenario limits;

  public StepsScenario(LimitsScenario limits) {
    this.limits = limits;
  }

  @Override
  public String id() {
    return "steps";
  }

  @Override
  public String title() {
    return "2. Checkpointed steps";
  }

  /** One fixed-rate window and what the database says of it. */
  private record Window(
      Step step,
      long steps,
      double seconds,
      ProcessCpu.Sample before,
      ProcessCpu.Sample after,
      Histogram latency,
      long failed,
      RunLoad load) {}

  @Override
  public ScenarioReport run(BenchStack stack, BenchSettings settings) throws Exception {
    ScenarioReport report = new ScenarioReport(id(), title());
    BenchTenant tenant = BenchTenant.named("steps", stack);
    EchoAgent.register(tenant);
    RunLedger ledger = new RunLedger(stack);
    Duration rung = settings.window(10);
    Duration measured = settings.window(60);
    report.setting("agent", "builtin scripted model, 1 builtin echo call, answer (3 steps)");
    report.setting(
        "load",
        "fixed arrival rate, POST /v1/runs to execution directly; "
            + WARMUP_RATE
            + " runs/s for 10 s not recorded, then a ladder of "
            + Arrays.toString(LADDER)
            + " runs/s, "
            + rung.toSeconds()
            + " s each, until one is not sustained (< 95 % completed in its window, p99 above "
            + P99_LIMIT_MILLIS
            + " ms, or runs unfinished "
            + DRAIN.toSeconds()
            + " s later); then the highest sustained rate for "
            + measured.toSeconds()
            + " s");

    // The suite's warm-up ran this path already; this settles the tenant's first runs.
    measure(stack, tenant, ledger, WARMUP_RATE, settings.window(10));
    List<Step> ladder =
        RateLadder.climb(
            rate -> measure(stack, tenant, ledger, rate, rung).step(), LADDER, P99_LIMIT_MILLIS);
    report.setting("ladder", RateLadder.describe(ladder));
    Step best = RateLadder.best(ladder, P99_LIMIT_MILLIS);
    double rate = best == null ? LADDER[0] : best.offeredPerSecond();
    if (best == null) {
      report.note("No rate of the ladder was sustained; measured at the lowest.");
    }
    System.out.printf(
        Locale.ROOT, "    measuring %.0f runs/s for %d s%n", rate, measured.toSeconds());
    Window window = measure(stack, tenant, ledger, rate, measured);

    double runsPerSecond = window.step().completedPerSecond();
    double stepsPerSecond = window.steps() / window.seconds();
    report.figure(String.format(Locale.ROOT, "runs/s (offered %.0f)", rate), runsPerSecond, "/s");
    double rawOne = limits.rawCommitsOneConnection();
    double rawMany = limits.rawCommitsManyConnections();
    boolean anchored = rawOne > 0;
    report.add(
        new Figure(
            "step commits/s",
            stepsPerSecond,
            "/s",
            anchored ? "raw commits/s, 1 connection" : null,
            anchored ? stepsPerSecond / rawOne : null,
            anchored ? "≥ 0.5" : null,
            anchored ? stepsPerSecond / rawOne >= 0.5 : null));
    if (rawMany > 0) {
      report.add(
          new Figure(
              "step commits/s",
              stepsPerSecond,
              "/s",
              "raw commits/s, 32 connections",
              stepsPerSecond / rawMany,
              "≥ 0.5",
              stepsPerSecond / rawMany >= 0.5));
    }
    report.figure("run latency p50 (due → succeeded committed)", window.step().p50Millis(), "ms");
    report.figure("run latency p99", window.step().p99Millis(), "ms");
    long finished = Math.round(runsPerSecond * window.seconds());
    report.cpu(
        "measured window", "run", window.after().millisPerOperation(window.before(), finished));
    report.setting("runs measured", window.latency().getTotalCount());
    if (window.failed() > 0 || window.step().unfinished() > 0 || window.load().refused() > 0) {
      report.note(
          String.format(
              "Of the measured runs, %d failed, %d were unfinished or refused (first refusal:"
                  + " %s).",
              window.failed(), window.step().unfinished(), window.load().firstRefusal()));
    }
    return report;
  }

  /**
   * Submits at {@code rate} for {@code duration}, then waits for every run of the window to end, so
   * that the next window starts on an empty queue.
   */
  private static Window measure(
      BenchStack stack, BenchTenant tenant, RunLedger ledger, double rate, Duration duration)
      throws Exception {
    RunLoad load = new RunLoad(stack.execution().uri(), tenant.admin(), EchoAgent.RUN_REQUEST);
    ProcessCpu cpu = stack.cpu();
    ProcessCpu.Sample before = cpu.sample();
    Instant from = Instant.now();
    load.submit(rate, duration);
    Instant to = Instant.now();
    ProcessCpu.Sample after = cpu.sample();
    long unfinished = ledger.awaitFinished(load.accepted().keySet(), DRAIN);
    double seconds = Duration.between(from, to).toNanos() / 1e9;
    long runs = ledger.finishedBetween(tenant.id(), from, to);
    long steps = ledger.checkpointsBetween(tenant.id(), from, to);
    Histogram latency = ledger.dueToFinished(load.accepted());
    long failed = ledger.failed(load.accepted().keySet());
    Step step =
        new Step(
            rate,
            runs / seconds,
            Percentiles.millis(latency, 50),
            Percentiles.millis(latency, 99),
            unfinished + load.refused() + failed);
    return new Window(step, steps, seconds, before, after, latency, failed, load);
  }
}
