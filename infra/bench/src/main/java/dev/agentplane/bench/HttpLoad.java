package dev.agentplane.bench;

import dev.agentplane.loadtest.LoadDriver;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The gateway benchmark's load driver as the scenarios use it: a warm-up run (not recorded), then
 * the measured run, with the CPU every process spent per request in between reported.
 */
public final class HttpLoad {

  private HttpLoad() {}

  /**
   * @param rate requests per second for an open loop; 0 for a closed loop
   * @param token a bearer token, or null
   */
  public static LoadDriver.Result measure(
      String phase,
      URI url,
      String token,
      double rate,
      Duration warmup,
      Duration measured,
      ProcessCpu cpu,
      ScenarioReport report)
      throws InterruptedException {
    run(phase, url, token, rate, warmup);
    ProcessCpu.Sample before = cpu.sample();
    LoadDriver.Result result = run(phase, url, token, rate, measured);
    report.cpu(
        phase
            + (rate > 0
                ? String.format(Locale.ROOT, ", open loop %.0f req/s", rate)
                : ", closed loop 64 connections"),
        "request",
        cpu.sample().millisPerOperation(before, result.latencies().getTotalCount()));
    if (result.errors() > 0 || result.statuses().keySet().stream().anyMatch(s -> s != 200)) {
      report.note(phase + ": statuses " + result.statuses() + ", errors " + result.errors() + ".");
    }
    long answered = result.statuses().values().stream().mapToLong(Number::longValue).sum();
    long ok = result.statuses().getOrDefault(200, 0L).longValue();
    // A rate of refusals or errors measures the wrong thing; the figure would mislead.
    if (answered == 0 || ok < 0.99 * (answered + result.errors())) {
      throw new IllegalStateException(
          phase + " answered " + result.statuses() + " with " + result.errors() + " errors");
    }
    return result;
  }

  static LoadDriver.Result run(String label, URI url, String token, double rate, Duration duration)
      throws InterruptedException {
    List<String> options =
        new ArrayList<>(
            List.of(
                "--url",
                url.toString(),
                "--connections",
                "64",
                "--rate",
                Double.toString(rate),
                "--warmup",
                "0",
                "--duration",
                Long.toString(Math.max(1, duration.toSeconds())),
                "--label",
                label));
    if (token != null) {
      options.add("--token");
      options.add(token);
    }
    return new LoadDriver().run(LoadDriver.Options.parse(options.toArray(String[]::new)));
  }
}
