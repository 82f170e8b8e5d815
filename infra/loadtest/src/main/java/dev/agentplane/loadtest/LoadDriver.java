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
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop load driver: a fixed number of keep-alive HTTP/1.1 connections, each sending the
 * next request as soon as the previous answer is read, first for a warm-up (not recorded), then for
 * the measured duration. Prints p50/p90/p99/max latency and requests per second, and one {@code
 * RESULT} line for scripts.
 *
 * <p>Usage: {@code LoadDriver --url URL [--token T] [--connections 64] [--warmup 10] [--duration
 * 30] [--label name]} (seconds).
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
  private volatile String firstErrorMessage;

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    Result result = new LoadDriver().run(options);
    System.out.println(result.report());
  }

  /** Runs warm-up then measurement and returns what was measured. */
  Result run(Options options) throws InterruptedException {
    byte[] request = HttpConnection.request(options.url(), options.token());
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < options.connections(); i++) {
      workers.add(Thread.ofVirtual().name("load-" + i).start(() -> drive(options.url(), request)));
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
        measured,
        elapsedNanos,
        byStatus,
        errors.sum(),
        firstErrorMessage);
  }

  private void drive(URI url, byte[] request) {
    HttpConnection connection = null;
    while (phase != Phase.STOP) {
      try {
        if (connection == null) {
          connection = HttpConnection.open(url);
        }
        long sent = System.nanoTime();
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

  /** What one run measured. */
  record Result(
      String label,
      int connections,
      Histogram latencies,
      long elapsedNanos,
      Map<Integer, Long> statuses,
      long errors,
      String firstError) {

    double requestsPerSecond() {
      return latencies.getTotalCount() / (elapsedNanos / 1e9);
    }

    double millis(double percentile) {
      return latencies.getValueAtPercentile(percentile) / 1e6;
    }

    String report() {
      StringBuilder out = new StringBuilder();
      out.append(
          String.format(
              Locale.ROOT,
              "%s: %d connections, %.1f s measured, %d requests, %d errors, statuses %s%n",
              label,
              connections,
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

  /** Command-line options. */
  record Options(
      URI url, String token, int connections, Duration warmup, Duration duration, String label) {

    static Options parse(String[] args) {
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
                + " [--duration 30] [--label name]");
      }
      return new Options(
          URI.create(values.get("url")),
          values.get("token"),
          Integer.parseInt(values.getOrDefault("connections", "64")),
          Duration.ofSeconds(Long.parseLong(values.getOrDefault("warmup", "10"))),
          Duration.ofSeconds(Long.parseLong(values.getOrDefault("duration", "30"))),
          values.getOrDefault("label", "run"));
    }
  }
}
