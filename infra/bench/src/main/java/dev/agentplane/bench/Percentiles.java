package dev.agentplane.bench;

import org.HdrHistogram.Histogram;

/** Milliseconds at a percentile of a histogram recorded in microseconds. */
public final class Percentiles {

  private Percentiles() {}

  public static double millis(Histogram microseconds, double percentile) {
    return microseconds.getTotalCount() == 0
        ? Double.NaN
        : microseconds.getValueAtPercentile(percentile) / 1000.0;
  }
}
