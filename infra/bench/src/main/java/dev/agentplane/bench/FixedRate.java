package dev.agentplane.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Load at a fixed arrival rate (an open loop): operation <i>i</i> is due at start + <i>i</i> / rate
 * and starts then on a virtual thread of its own, whether or not earlier ones have finished, so a
 * system that falls behind is charged for its backlog (no coordinated omission). Each operation is
 * told when it was due, from which its latency counts.
 */
public final class FixedRate {

  /** One operation of the schedule. */
  @FunctionalInterface
  public interface Operation {
    /**
     * @param index its number in the schedule, from 0
     * @param dueNanos when it was due ({@link System#nanoTime()} clock)
     * @param dueEpochMicros the same instant on the wall clock, for comparing with database times
     */
    void run(long index, long dueNanos, long dueEpochMicros) throws Exception;
  }

  private FixedRate() {}

  /**
   * Runs operations at {@code perSecond} for {@code duration} and returns once the last one is
   * started; the operations' threads are returned so the caller may wait for them.
   */
  public static List<Thread> run(double perSecond, Duration duration, Operation operation) {
    return runUntil(perSecond, duration, () -> false, operation);
  }

  /**
   * Like {@link #run}, but schedules no further operation once {@code over} answers true (asked as
   * each one falls due), for a load that lasts as long as something else does.
   */
  public static List<Thread> runUntil(
      double perSecond, Duration longest, BooleanSupplier over, Operation operation) {
    long period = Math.round(1e9 / perSecond);
    long count = Math.round(perSecond * longest.toNanos() / 1e9);
    long startNanos = System.nanoTime();
    long startEpochMicros = epochMicros();
    List<Thread> started = new ArrayList<>();
    for (long i = 0; i < count; i++) {
      long due = startNanos + i * period;
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      if (over.getAsBoolean()) {
        break;
      }
      long index = i;
      long dueEpochMicros = startEpochMicros + (due - startNanos) / 1000;
      started.add(
          Thread.ofVirtual()
              .name("op-" + i)
              .start(
                  () -> {
                    try {
                      operation.run(index, due, dueEpochMicros);
                    } catch (Exception e) {
                      throw new IllegalStateException("Operation " + index + " failed", e);
                    }
                  }));
    }
    return started;
  }

  /** Waits for operations started by {@link #run}, at most until {@code deadline} in all. */
  public static void join(List<Thread> operations, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    for (Thread thread : operations) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !thread.join(Duration.ofNanos(left))) {
        throw new IllegalStateException("Operations still running after " + within);
      }
    }
  }

  /** The wall clock in microseconds, as PostgreSQL's timestamps hold it. */
  public static long epochMicros() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
  }
}
