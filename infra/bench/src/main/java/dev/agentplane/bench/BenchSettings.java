package dev.agentplane.bench;

import java.time.Duration;

/**
 * How long the scenarios measure. The default is a 30 s warm-up and 60 s measured; the
 * suite keeps that where the figure is a rate that needs it and states shorter windows where a
 * scenario has several phases, so the whole run fits in 15 minutes. {@code --quick} divides every
 * window by ten for a smoke run whose figures mean nothing.
 */
public record BenchSettings(boolean quick) {

  public Duration window(int seconds) {
    return Duration.ofMillis(quick ? Math.max(1000, seconds * 100L) : seconds * 1000L);
  }

  /** A count (of samples, of runs) scaled like the windows. */
  public int count(int full) {
    return quick ? Math.max(5, full / 20) : full;
  }
}
