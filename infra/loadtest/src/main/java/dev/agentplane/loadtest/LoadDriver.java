package dev.agentplane.loadtest;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A load driver over a fixed number of keep-alive HTTP/1.1 connections, first for a warm-up (not
 * recorded), then for the measured duration. Closed loop by default: each connection sends the next
 * request as soon as the previous answer is read, which measures the most a server can take. With
 * {@code --rate}, open loop at a fixed arrival rate: request <i>i</i> is due at start + <i>i</i> /
 * rate, whichever connection is free takes it, and its latency counts from when it was due, so a
 * server that falls behind is charged for the wait too (no coordinated omission); this measures the
 * latency a server adds at a given load. Prints p50/p90/p99/max latency and requests per second,
 * and one {@code RESULT} line for scripts.
 *
 * <p>Usage: {@code LoadDriver --url URL [--token T] [--connections 64] [--warmup 10] [--duration
 * 30] [--rate requests-per-second] [--label name]} (seconds).
 */
public final class LoadDriver {

  enum Phase {
    WARMUP,
    MEASURE,
    STOP
  }

  private volatile Phase phase = Phase.WARMUP;
  private final Recorder latencies = new Recorder(3);
  private final LongAdder completed = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
  private final AtomicLong firstError = new AtomicLong();
  // Open loop: the next request's number; request i is due at paceStart + i * periodNanos.
  private final AtomicLong nextDue = new AtomicLong();
  private volatile long paceStart;
  private volatile String firstErrorMessage;

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    Result result = new LoadDriver().run(options);
    System.out.println(result.report());
  }

  /** Runs warm-up then measurement and returns what was measured. */
  public Result run(Options options) throws InterruptedException {
    byte[] request = HttpConnection.request(options.url(), options.token());
    long periodNanos = options.rate() > 0 ? Math.round(1e9 / options.rate()) : 0;
    paceStart = System.nanoTime();
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < options.connections(); i++) {
      workers.add(
          Thread.ofVirtual()
              .name("load-" + i)
              .start(() -> drive(options.url(), request, periodNanos)));
    }
    // A load driver paces itself by the wall clock: these waits are the experiment's phases.
    Thread.sleep(options.warmup().toMillis());
    latencies.reset();
    phase = Phase.MEASURE;
    long started = System.nanoTime();
    // The measured phase is a wall-clock window too; the workers record latencies meanwhile.
    Thread.sleep(options.duration().toMillis());
    Histogram measured = latencies.getIntervalHistogram();
    long elapsedNanos = System.nanoTime() - started;
    phase = Phase.STOP;
    for (Thread worker : workers) {
      worker.join(Duration.ofSeconds(10));
    }
    Map<Integer, Long> byStatus = new LinkedHashMap<>();
    statuses.forEach((status, count) -> byStatus.put(status, count.sum()));
    return new Result(
        options.label(),
        options.connections(),
        options.rate(),
        measured,
        elapsedNanos,
        byStatus,
        errors.sum(),
        firstErrorMessage);
  }

  private void drive(URI url, byte[] request, long periodNanos) {
    HttpConnection connection = null;
    while (phase != Phase.STOP) {
      try {
        if (connection == null) {
          connection = HttpConnection.open(url);
        }
        long sent = periodNanos > 0 ? awaitNextDue(periodNanos) : System.nanoTime();
        int status = connection.exchange(request);
        long tookNanos = System.nanoTime() - sent;
        if (phase == Phase.MEASURE) {
          latencies.recordValue(tookNanos);
          completed.increment();
          statuses.computeIfAbsent(status, ignored -> new LongAdder()).increment();
        }
      } catch (IOException e) {
        if (phase == Phase.MEASURE) {
          errors.increment();
          if (firstError.compareAndSet(0, 1)) {
            firstErrorMessage = e.toString();
          }
        }
        if (connection != null) {
          connection.close();
        }
        connection = null;
      }
    }
    if (connection != null) {
      connection.close();
    }
  }

  /**
   * Takes the next request of the open-loop schedule and waits until it is due; answers when it was
   * due, from which its latency counts (later than that if every connection was busy).
   */
  private long awaitNextDue(long periodNanos) {
    long due = paceStart + nextDue.getAndIncrement() * periodNanos;
    long wait;
    while ((wait = due - System.nanoTime()) > 0 && phase != Phase.STOP) {
      LockSupport.parkNanos(wait);
    }
    return due;
  }

  /** What one run measured. */
  public record Result(
      String label,
      int connections,
      double offeredRate,
      Histogram latencies,
      long elapsedNanos,
      Map<Integer, Long> statuses,
      long errors,
      String firstError) {

    public double requestsPerSecond() {
      return latencies.getTotalCount() / (elapsedNanos / 1e9);
    }

    public double millis(double percentile) {
      return latencies.getValueAtPercentile(percentile) / 1e6;
    }

    public String report() {
      StringBuilder out = new StringBuilder();
      out.append(
          String.format(
              Locale.ROOT,
              "%s: %d connections, %s, %.1f s measured, %d requests, %d errors, statuses %s%n",
              label,
              connections,
              offeredRate > 0
                  ? String.format(Locale.ROOT, "open loop at %.0f req/s", offeredRate)
                  : "closed loop",
              elapsedNanos / 1e9,
              latencies.getTotalCount(),
              errors,
              statuses));
      if (firstError != null) {
        out.append("  first error: ").append(firstError).append(System.lineSeparator());
      }
      out.append(
          String.format(
              Locale.ROOT,
              "  latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f%n  throughput: %.0f req/s%n",
              millis(50),
              millis(90),
              millis(99),
              latencies.getMaxValue() / 1e6,
              requestsPerSecond()));
      out.append(
          String.format(
              Locale.ROOT,
              "RESULT %s rps=%.1f p50=%.3f p90=%.3f p99=%.3f max=%.3f errors=%d",
              label,
              requestsPerSecond(),
              millis(50),
              millis(90),
              millis(99),
              latencies.getMaxValue() / 1e6,
              errors));
      return out.toString();
    }
  }

  /**
   * Command-line options.
   *
   * @param rate requests per second for an open loop; 0 for a closed loop
   */
  public record Options(
      URI url,
      String token,
      int connections,
      Duration warmup,
      Duration duration,
      double rate,
      String label) {

    public static Options parse(String[] args) {
      Map<String, String> values = new LinkedHashMap<>();
      for (int i = 0; i + 1 < args.length; i += 2) {
        if (!args[i].startsWith("--")) {
          throw new IllegalArgumentException("Unexpected argument " + args[i]);
        }
        values.put(args[i].substring(2), args[i + 1]);
      }
      if (!values.containsKey("url")) {
        throw new IllegalArgumentException(
            "Usage: LoadDriver --url URL [--token T] [--connections 64] [--warmup 10]"
                + " [--duration 30] [--rate requests-per-second] [--label name]");
      }
      return new Options(
          URI.create(values.get("url")),
          values.get("token"),
          Integer.parseInt(values.getOrDefault("connections", "64")),
          Duration.ofSeconds(Long.parseLong(values.getOrDefault("warmup", "10"))),
          Duration.ofSeconds(Long.parseLong(values.getOrDefault("duration", "30"))),
          Double.parseDouble(values.getOrDefault("rate", "0")),
          values.getOrDefault("label", "run"));
    }
  }
}
