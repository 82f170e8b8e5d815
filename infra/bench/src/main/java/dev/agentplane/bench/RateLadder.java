package dev.agentplane.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds what an engine sustains: fixed-rate steps of rising load, each measured, until one is not
 * sustained (fewer than 95 % of the offered runs completed in the window, or a p99 above the
 * limit). The last sustained step is the engine's throughput at that p99.
 */
public final class RateLadder {

  /** One measured step. */
  public record Step(
      double offeredPerSecond,
      double completedPerSecond,
      double p50Millis,
      double p99Millis,
      long unfinished) {

    public boolean sustained(double p99LimitMillis) {
      return completedPerSecond >= 0.95 * offeredPerSecond
          && p99Millis <= p99LimitMillis
          && unfinished == 0;
    }
  }

  /** Measures one step at a rate. */
  @FunctionalInterface
  public interface Engine {
    Step measure(double perSecond) throws Exception;
  }

  private RateLadder() {}

  /** Every step measured, in order; the last one is the first not sustained (if any was not). */
  public static List<Step> climb(Engine engine, double[] rates, double p99LimitMillis)
      throws Exception {
    List<Step> steps = new ArrayList<>();
    for (double rate : rates) {
      Step step = engine.measure(rate);
      steps.add(step);
      System.out.printf(
          "    %.0f/s offered: %.1f/s completed, p50 %.1f ms, p99 %.1f ms, %d unfinished%n",
          step.offeredPerSecond(),
          step.completedPerSecond(),
          step.p50Millis(),
          step.p99Millis(),
          step.unfinished());
      if (!step.sustained(p99LimitMillis)) {
        break;
      }
    }
    return steps;
  }

  /** Every step in a line, for a report's settings. */
  public static List<String> describe(List<Step> steps) {
    List<String> described = new ArrayList<>();
    for (Step step : steps) {
      described.add(
          String.format(
              Locale.ROOT,
              "%.0f/s offered: %.1f/s completed, p50 %.0f ms, p99 %.0f ms, %d unfinished",
              step.offeredPerSecond(),
              step.completedPerSecond(),
              step.p50Millis(),
              step.p99Millis(),
              step.unfinished()));
    }
    return described;
  }

  /** The highest sustained step, or null if none was. */
  public static Step best(List<Step> steps, double p99LimitMillis) {
    Step best = null;
    for (Step step : steps) {
      if (step.sustained(p99LimitMillis)) {
        best = step;
      }
    }
    return best;
  }
}
