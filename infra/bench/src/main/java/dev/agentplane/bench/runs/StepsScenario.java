package dev.agentplane.bench.runs;

import dev.agentplane.bench.BenchSettings;
import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.BenchTenant;
import dev.agentplane.bench.Percentiles;
import dev.agentplane.bench.ProcessCpu;
import dev.agentplane.bench.Scenario;
import dev.agentplane.bench.ScenarioReport;
import dev.agentplane.bench.ScenarioReport.Figure;
import dev.agentplane.bench.limits.LimitsScenario;
import java.time.Duration;
import java.time.Instant;
import org.HdrHistogram.Histogram;

/**
 * Scenario 2, checkpointed steps: runs of {@link EchoAgent} submitted straight to the execution
 * service at a fixed arrival rate, sustained; runs/s and step commits/s counted from the database
 * in the measured window, as ratios of scenario 1's raw insert commits.
 */
public final class StepsScenario implements Scenario {

  private final LimitsScenario limits;
  private final double perSecond;

  public StepsScenario(LimitsScenario limits, double perSecond) {
    this.limits = limits;
    this.perSecond = perSecond;
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
    RunLedger ledger = new RunLedger(stack);
    Duration warmup = settings.window(30);
    Duration measured = settings.window(60);
    report.setting("agent", "builtin scripted model, 1 builtin echo call, answer (3 steps)");
    report.setting(
        "load", perSecond + " runs/s fixed arrival, POST /v1/runs to execution directly");
    report.setting("windows", warmup.toSeconds() + " s warm-up, " + measured.toSeconds() + " s");

    RunLoad load = new RunLoad(stack.execution().uri(), tenant.admin(), EchoAgent.RUN_REQUEST);
    load.submit(perSecond, warmup);
    load.forget();
    ProcessCpu cpu = stack.cpu();
    ProcessCpu.Sample before = cpu.sample();
    Instant from = Instant.now();
    load.submit(perSecond, measured);
    Instant to = Instant.now();
    ProcessCpu.Sample after = cpu.sample();
    long unfinished = ledger.awaitFinished(load.accepted().keySet(), Duration.ofSeconds(120));

    double seconds = Duration.between(from, to).toNanos() / 1e9;
    long runs = ledger.finishedBetween(tenant.id(), from, to);
    long steps = ledger.checkpointsBetween(tenant.id(), from, to);
    double runsPerSecond = runs / seconds;
    double stepsPerSecond = steps / seconds;
    report.figure("runs/s (offered " + perSecond + ")", runsPerSecond, "/s");
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
    Histogram latency = ledger.dueToFinished(load.accepted());
    report.figure(
        "run latency p50 (due → succeeded committed)", Percentiles.millis(latency, 50), "ms");
    report.figure("run latency p99", Percentiles.millis(latency, 99), "ms");
    report.cpu("measured window", "run", after.millisPerOperation(before, runs));
    report.setting("runs measured", latency.getTotalCount());
    long failed = ledger.failed(load.accepted().keySet());
    if (failed > 0 || unfinished > 0 || load.refused() > 0) {
      report.note(
          String.format(
              "Of the measured runs, %d failed, %d were unfinished 120 s after the window, %d were"
                  + " refused (first: %s).",
              failed, unfinished, load.refused(), load.firstRefusal()));
    }
    return report;
  }
}
