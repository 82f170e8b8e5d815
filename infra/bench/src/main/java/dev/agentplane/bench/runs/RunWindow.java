package dev.agentplane.bench.runs;

import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.BenchTenant;
import dev.agentplane.bench.Percentiles;
import dev.agentplane.bench.ProcessCpu;
import dev.agentplane.bench.RateLadder.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One fixed-rate window of runs and what the database says of it: runs submitted straight to the
 * execution service at a rate for a while, then every one of them awaited, so that the next window
 * starts on an empty queue. Runs/s and step commits count what finished inside the window.
 *
 * @param step the window as a rung of a {@link dev.agentplane.bench.RateLadder}; its unfinished
 *     count also holds the runs refused or failed
 */
public record RunWindow(
    Step step,
    long stepCommits,
    double seconds,
    Map<String, Double> cpuPerRun,
    Histogram latency,
    long failed,
    RunLoad load) {

  /**
   * Submits {@code runRequest} at {@code rate}: for {@code warmup} unrecorded (its runs are left to
   * finish during the window), then for {@code duration} recorded.
   */
  public static RunWindow measure(
      BenchStack stack,
      BenchTenant tenant,
      String runRequest,
      double rate,
      Duration warmup,
      Duration duration,
      Duration drain)
      throws Exception {
    RunLedger ledger = new RunLedger(stack);
    RunLoad load = new RunLoad(stack.execution().uri(), tenant.admin(), runRequest);
    if (!warmup.isZero()) {
      load.submit(rate, warmup);
      load.forget();
    }
    ProcessCpu cpu = stack.cpu();
    ProcessCpu.Sample before = cpu.sample();
    Instant from = Instant.now();
    load.submit(rate, duration);
    Instant to = Instant.now();
    ProcessCpu.Sample after = cpu.sample();
    long unfinished = ledger.awaitFinished(load.accepted().keySet(), drain);
    double seconds = Duration.between(from, to).toNanos() / 1e9;
    long finished = ledger.finishedBetween(tenant.id(), from, to);
    long stepCommits = ledger.checkpointsBetween(tenant.id(), from, to);
    Histogram latency = ledger.dueToFinished(load.accepted());
    long failed = ledger.failed(load.accepted().keySet());
    Step step =
        new Step(
            rate,
            finished / seconds,
            Percentiles.millis(latency, 50),
            Percentiles.millis(latency, 99),
            unfinished + load.refused() + failed);
    return new RunWindow(
        step,
        stepCommits,
        seconds,
        after.millisPerOperation(before, finished),
        latency,
        failed,
        load);
  }
}
