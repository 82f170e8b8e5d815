package dev.agentplane.bench.runs;

import dev.agentplane.bench.BenchSettings;
import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.BenchTenant;
import dev.agentplane.bench.RateLadder;
import dev.agentplane.bench.RateLadder.Step;
import dev.agentplane.bench.Scenario;
import dev.agentplane.bench.ScenarioReport;
import dev.agentplane.bench.ScenarioReport.Figure;
import dev.agentplane.bench.limits.LimitsScenario;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

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

  @Override
  public ScenarioReport run(BenchStack stack, BenchSettings settings) throws Exception {
    ScenarioReport report = new ScenarioReport(id(), title());
    BenchTenant tenant = BenchTenant.named("steps", stack);
    EchoAgent.register(tenant);
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
    measure(stack, tenant, WARMUP_RATE, settings.window(10));
    List<Step> ladder =
        RateLadder.climb(
            rate -> measure(stack, tenant, rate, rung).step(), LADDER, P99_LIMIT_MILLIS);
    report.setting("ladder", RateLadder.describe(ladder));
    Step best = RateLadder.best(ladder, P99_LIMIT_MILLIS);
    double rate = best == null ? LADDER[0] : best.offeredPerSecond();
    if (best == null) {
      report.note("No rate of the ladder was sustained; measured at the lowest.");
    }
    System.out.printf(
        Locale.ROOT, "    measuring %.0f runs/s for %d s%n", rate, measured.toSeconds());
    RunWindow window = measure(stack, tenant, rate, measured);

    double runsPerSecond = window.step().completedPerSecond();
    double stepsPerSecond = window.stepCommits() / window.seconds();
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
    report.cpu("measured window", "run", window.cpuPerRun());
    report.setting("runs measured", window.latency().getTotalCount());
    if (window.failed() > 0 || window.step().unfinished() > 0 || window.load().refused() > 0) {
      report.note(
          String.format(
              "%d of the measured runs were unfinished, refused or failed (%d failed; first"
                  + " refusal: %s).",
              window.step().unfinished(), window.failed(), window.load().firstRefusal()));
    }
    return report;
  }

  private static RunWindow measure(
      BenchStack stack, BenchTenant tenant, double rate, Duration duration) throws Exception {
    return RunWindow.measure(
        stack, tenant, EchoAgent.RUN_REQUEST, rate, Duration.ZERO, duration, DRAIN);
  }
}
