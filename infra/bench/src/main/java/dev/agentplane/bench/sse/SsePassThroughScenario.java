package dev.agentplane.bench.sse;

import dev.agentplane.bench.BenchSettings;
import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.BenchTenant;
import dev.agentplane.bench.Percentiles;
import dev.agentplane.bench.ProcessCpu;
import dev.agentplane.bench.Scenario;
import dev.agentplane.bench.ScenarioReport;
import dev.agentplane.bench.ScenarioReport.Figure;
import dev.agentplane.bench.sse.WatchedRuns.Delivery;
import dev.agentplane.testkit.ServiceApi.Reply;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Scenario 7, SSE pass-through: runs whose model streams ten chunks a second, each run watched by
 * ten {@code GET /v1/runs/{id}/events} streams, 500 streams at once; once straight from the
 * execution service, once through the gateway (fresh runs, same shape). Per event, the time from
 * its commit to its arrival on a stream; the gateway's share is the difference. Every committed
 * event must reach every stream of its run, in order, and every stream its terminal event.
 */
public final class SsePassThroughScenario implements Scenario {

  private static final String AGENT = "ticking";
  private static final String KEY_SECRET = "TICKING_KEY";
  private static final String RUN_REQUEST =
      "{\"agent\":\"" + AGENT + "\",\"input\":{\"text\":\"stream\"}}";
  private static final int STREAMS_PER_RUN = 10;

  @Override
  public String id() {
    return "sse";
  }

  @Override
  public String title() {
    return "7. SSE pass-through";
  }

  /** One phase's load: runs, streams watching each, and how long each run's reply streams. */
  private record Load(int runs, int streamsPerRun, Duration reply, Duration ramp) {

    int streams() {
      return runs * streamsPerRun;
    }

    /** Events per second the model offers to all streams together: one per chunk per stream. */
    double offeredPerSecond() {
      return streams() * 1000.0 / TickingModel.TICK.toMillis();
    }

    String describe() {
      return runs + " runs × " + streamsPerRun + " streams";
    }
  }

  @Override
  public ScenarioReport run(BenchStack stack, BenchSettings settings) throws Exception {
    ScenarioReport report = new ScenarioReport(id(), title());
    BenchTenant tenant = BenchTenant.named("sse", stack);
    Duration ramp = settings.window(2);
    Load full = new Load(settings.count(50), STREAMS_PER_RUN, settings.window(20), ramp);
    Load warmup = new Load(settings.count(10), STREAMS_PER_RUN, settings.window(5), ramp);
    // A few streams, far below saturation: what delivery costs when nothing queues, and whether
    // streams wake at each commit or on a periodic poll.
    Load light = new Load(5, 2, settings.window(10), ramp);
    try (TickingModel model = TickingModel.start()) {
      register(tenant, model, stack);
      report.setting(
          "model",
          "an OpenAI-compatible server in the bench JVM streaming each reply as one text chunk"
              + " every 100 ms for "
              + full.reply().toSeconds()
              + " s; execution flushes model.delta every 50 ms, so each chunk is one event while"
              + " it keeps up");
      report.setting(
          "shape",
          full.describe()
              + " = "
              + full.streams()
              + " concurrent streams per phase, runs started evenly over "
              + ramp.toMillis()
              + " ms and watched from their 202 on; run requests and streams both go to the"
              + " phase's target; direct phase first, then the gateway's with fresh runs");
      report.setting(
          "light load",
          light.describe()
              + " with "
              + light.reply().toSeconds()
              + " s replies, direct then via gateway, after the full phases");
      report.setting(
          "latency",
          "commit of the event's run_event row (pg_xact_commit_timestamp) → the reader read the"
              + " event's first line; only events committed after their stream's response headers"
              + " arrived (live, not replayed)");
      report.setting(
          "warm-up",
          warmup.describe()
              + " of "
              + warmup.reply().toSeconds()
              + " s replies per target, not measured");
      report.setting(
          "reader", "raw HTTP/1.1 socket per stream on a virtual thread, in the bench JVM");

      URI direct = stack.execution().uri();
      URI gateway = stack.gateway().uri();
      String token = tenant.admin();
      for (URI target : new URI[] {direct, gateway}) {
        model.ticks(ticks(warmup.reply()));
        watch(target, token, warmup);
      }

      model.ticks(ticks(full.reply()));
      Delivery fullDirect = measure("direct", direct, token, full, stack, report);
      Delivery fullGateway = measure("via gateway", gateway, token, full, stack, report);
      reportAdded("", fullDirect, fullGateway, report);

      model.ticks(ticks(light.reply()));
      String lightly = ", light load (" + light.describe() + ")";
      Delivery lightDirect = measure("direct" + lightly, direct, token, light, stack, report);
      Delivery lightGateway =
          measure("via gateway" + lightly, gateway, token, light, stack, report);
      reportAdded(lightly, lightDirect, lightGateway, report);

      report.note("Commit → received, direct: " + shape(fullDirect.latencyMicros()) + ".");
      report.note("Commit → received, via gateway: " + shape(fullGateway.latencyMicros()) + ".");
      report.note(
          "Commit → received, direct" + lightly + ": " + shape(lightDirect.latencyMicros()) + ".");
      report.note(
          "Commit → received, via gateway"
              + lightly
              + ": "
              + shape(lightGateway.latencyMicros())
              + ".");
    }
    return report;
  }

  /** Runs one phase and waits until its streams end (or the reply and two minutes more pass). */
  private static WatchedRuns watch(URI target, String token, Load load) throws Exception {
    WatchedRuns watched =
        WatchedRuns.start(
            target, token, RUN_REQUEST, load.runs(), load.streamsPerRun(), load.ramp());
    watched.awaitEnded(load.reply().plusSeconds(120));
    return watched;
  }

  private static void reportAdded(
      String qualifier, Delivery direct, Delivery gateway, ScenarioReport report) {
    Histogram directLatency = direct.latencyMicros();
    Histogram gatewayLatency = gateway.latencyMicros();
    report.figure(
        "added p50 (gateway − direct)" + qualifier,
        Percentiles.millis(gatewayLatency, 50) - Percentiles.millis(directLatency, 50),
        "ms");
    report.figure(
        "added p99 (gateway − direct)" + qualifier,
        Percentiles.millis(gatewayLatency, 99) - Percentiles.millis(directLatency, 99),
        "ms");
  }

  private Delivery measure(
      String phase, URI target, String token, Load load, BenchStack stack, ScenarioReport report)
      throws Exception {
    ProcessCpu cpu = stack.cpu();
    ProcessCpu.Sample before = cpu.sample();
    WatchedRuns watched = watch(target, token, load);
    ProcessCpu.Sample after = cpu.sample();
    Delivery delivery = watched.delivery(EventCommits.of(stack, watched.runs()));
    String on = ", " + phase;
    report.add(
        new Figure(
            "events/s delivered, all streams open" + on,
            delivery.eventsPerSecond(),
            "/s",
            String.format("offered: %d streams × 10 chunks/s", load.streams()),
            delivery.eventsPerSecond() / load.offeredPerSecond(),
            null,
            null));
    report.figure(
        "commit → received p50" + on, Percentiles.millis(delivery.latencyMicros(), 50), "ms");
    report.figure(
        "commit → received p99" + on, Percentiles.millis(delivery.latencyMicros(), 99), "ms");
    report.add(
        new Figure(
            "dropped events (committed, not received)" + on,
            delivery.dropped(),
            "events",
            null,
            null,
            "0",
            delivery.dropped() == 0));
    report.add(
        new Figure(
            "events out of sequence (gaps, repeats)" + on,
            delivery.outOfOrder(),
            "events",
            null,
            null,
            "0",
            delivery.outOfOrder() == 0));
    report.add(
        new Figure(
            "streams that reached the terminal event" + on,
            delivery.reachedTerminal(),
            "streams",
            null,
            null,
            "all " + load.streams(),
            delivery.reachedTerminal() == load.streams()));
    report.cpu(phase, "delivered event", after.millisPerOperation(before, delivery.delivered()));
    report.note(
        String.format(
            "%s: %d streams, %d events committed (counted per stream), %d delivered, %d live"
                + " (latency measured), %d streams ended on run.succeeded; %.1f events per run"
                + " for %d chunks streamed (5 are not deltas; fewer means deltas were coalesced).",
            phase,
            delivery.streams(),
            delivery.committed(),
            delivery.delivered(),
            delivery.live(),
            delivery.succeeded(),
            delivery.streams() == 0 ? 0.0 : (double) delivery.committed() / delivery.streams(),
            ticks(load.reply())));
    if (watched.refused() > 0 || watched.stillOpen() > 0 || delivery.firstFailure() != null) {
      report.note(
          String.format(
              "%s: %d runs refused (first: %s); %d streams still open after the reply + 120 s;"
                  + " first broken stream: %s.",
              phase,
              watched.refused(),
              watched.firstRefusal(),
              watched.stillOpen(),
              delivery.firstFailure()));
    }
    if (delivery.beforeCommit() > 0) {
      report.note(
          phase
              + ": "
              + delivery.beforeCommit()
              + " live events arrived before their recorded commit time (counted as 0 ms).");
    }
    return delivery;
  }

  /**
   * The latency distribution in words: percentiles and the share per 20 ms band up to 120 ms, which
   * shows whether streams wake at each commit (most events within a few ms) or on a periodic poll
   * (spread evenly over the poll period).
   */
  private static String shape(Histogram micros) {
    if (micros.getTotalCount() == 0) {
      return "no live events";
    }
    StringBuilder text = new StringBuilder();
    for (double percentile : new double[] {1, 10, 25, 50, 75, 90, 99}) {
      text.append(
          String.format("p%.0f %.1f ms, ", percentile, Percentiles.millis(micros, percentile)));
    }
    text.append(String.format("max %.1f ms; ", micros.getMaxValue() / 1000.0));
    long total = micros.getTotalCount();
    for (int band = 0; band < 120; band += 20) {
      long count = micros.getCountBetweenValues(band * 1000L, (band + 20) * 1000L - 1);
      text.append(String.format("%d–%d ms %.0f%%, ", band, band + 20, 100.0 * count / total));
    }
    long beyond = micros.getCountBetweenValues(120_000L, Long.MAX_VALUE / 4);
    text.append(String.format("≥ 120 ms %.0f%%", 100.0 * beyond / total));
    return text.toString();
  }

  private static int ticks(Duration reply) {
    return (int) (reply.toMillis() / TickingModel.TICK.toMillis());
  }

  /** The model's key as a tenant secret, and an agent on the ticking model with no tools. */
  private static void register(BenchTenant tenant, TickingModel model, BenchStack stack) {
    Reply secret =
        stack
            .gatewayApi()
            .put("/v1/secrets/" + KEY_SECRET, tenant.admin(), "{\"value\":\"sk-bench\"}", Map.of());
    if (secret.status() != 201 && secret.status() != 204) {
      throw new IllegalStateException(
          "Setting the model key: " + secret.status() + " " + secret.raw());
    }
    tenant.active(
        "agents",
        AGENT,
        "{'description':'Streams a long reply','kind':'assistant',"
            + "'model':{'provider':'openai','name':'ticking','baseUrl':'"
            + model.baseUrl()
            + "','apiKeySecret':'"
            + KEY_SECRET
            + "'},'instructions':'Answer at length.'}");
  }
}
