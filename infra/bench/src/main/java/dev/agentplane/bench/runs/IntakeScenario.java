package dev.agentplane.bench.runs;

import dev.agentplane.bench.BenchSettings;
import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.BenchTenant;
import dev.agentplane.bench.Percentiles;
import dev.agentplane.bench.ProcessCpu;
import dev.agentplane.bench.Scenario;
import dev.agentplane.bench.ScenarioReport;
import dev.agentplane.bench.runs.RunLoad.Submitted;
import java.time.Duration;
import org.HdrHistogram.Histogram;

/**
 * Scenario 8, intake latency: {@code POST /v1/runs} through the gateway at 50 and at 200 runs/s;
 * from each 202 to the commit of the run's first checkpoint (the moment a crash can no longer lose
 * its first step), and the 202 itself from when the request was due.
 */
public final class IntakeScenario implements Scenario {

  private static final double[] RATES = {50, 200};

  @Override
  public String id() {
    return "intake";
  }

  @Override
  public String title() {
    return "8. Intake latency";
  }

  @Override
  public ScenarioReport run(BenchStack stack, BenchSettings settings) throws Exception {
    ScenarioReport report = new ScenarioReport(id(), title());
    BenchTenant tenant = BenchTenant.named("intake", stack);
    EchoAgent.register(tenant);
    RunLedger ledger = new RunLedger(stack);
    Duration warmup = settings.window(5);
    Duration measured = settings.window(30);
    report.setting("agent", "the checkpointed-steps agent (3 steps)");
    report.setting(
        "load",
        "fixed arrival through the gateway, "
            + warmup.toSeconds()
            + " s warm-up and "
            + measured.toSeconds()
            + " s measured per rate");
    for (double rate : RATES) {
      RunLoad load = new RunLoad(stack.gateway().uri(), tenant.admin(), EchoAgent.RUN_REQUEST);
      load.submit(rate, warmup);
      ledger.awaitFinished(load.accepted().keySet(), Duration.ofSeconds(60));
      load.forget();
      ProcessCpu cpu = stack.cpu();
      ProcessCpu.Sample before = cpu.sample();
      load.submit(rate, measured);
      ProcessCpu.Sample after = cpu.sample();
      long unfinished = ledger.awaitFinished(load.accepted().keySet(), Duration.ofSeconds(120));
      Histogram toCheckpoint = ledger.acceptedToFirstCheckpoint(load.accepted());
      Histogram toAccepted = new Histogram(3);
      for (Submitted run : load.accepted().values()) {
        toAccepted.recordValue(Math.max(0, run.acceptedEpochMicros() - run.dueEpochMicros()));
      }
      String at = String.format(" at %.0f runs/s", rate);
      report.figure(
          "202 → first checkpoint committed p50" + at, Percentiles.millis(toCheckpoint, 50), "ms");
      report.figure(
          "202 → first checkpoint committed p99" + at, Percentiles.millis(toCheckpoint, 99), "ms");
      report.figure("due → 202 p50" + at, Percentiles.millis(toAccepted, 50), "ms");
      report.figure("due → 202 p99" + at, Percentiles.millis(toAccepted, 99), "ms");
      report.cpu(
          String.format("%.0f runs/s", rate),
          "run",
          after.millisPerOperation(before, load.accepted().size()));
      if (unfinished > 0 || load.refused() > 0) {
        report.note(
            String.format(
                "At %.0f runs/s, %d runs were unfinished 120 s after the window and %d refused"
                    + " (first: %s).",
                rate, unfinished, load.refused(), load.firstRefusal()));
      }
    }
    return report;
  }
}
