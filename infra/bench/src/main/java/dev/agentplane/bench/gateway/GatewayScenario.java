package dev.agentplane.bench.gateway;

import dev.agentplane.bench.BenchSettings;
import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.BenchTenant;
import dev.agentplane.bench.HttpLoad;
import dev.agentplane.bench.ProcessCpu;
import dev.agentplane.bench.Scenario;
import dev.agentplane.bench.ScenarioReport;
import dev.agentplane.bench.ScenarioReport.Figure;
import dev.agentplane.bench.runs.EchoAgent;
import dev.agentplane.loadtest.LoadDriver;
import java.net.URI;
import java.time.Duration;

/**
 * Scenario 4, gateway overhead: {@code GET /v1/agents/{id}} (a real agent: the registry checks the
 * token and reads two tables) straight at the registry and through the gateway, with the gateway
 * benchmark's driver: a closed loop over 64 connections (throughput lost), then an open loop at a
 * fixed rate both paths sustain (latency added): half of what the gateway path just carried in the
 * closed loop. On two shared cores the gateway's hop takes CPU from the registry behind it, so a
 * rate fixed in advance can lie above the gateway path's capacity and measure a queue instead.
 */
public final class GatewayScenario implements Scenario {

  private static final double OPEN_LOOP_SHARE_OF_CAPACITY = 0.5;

  @Override
  public String id() {
    return "gateway";
  }

  @Override
  public String title() {
    return "4. Gateway overhead";
  }

  @Override
  public ScenarioReport run(BenchStack stack, BenchSettings settings) throws Exception {
    ScenarioReport report = new ScenarioReport(id(), title());
    BenchTenant tenant = BenchTenant.named("gateway", stack);
    String path = "/v1/agents/" + EchoAgent.register(tenant);
    Duration warmup = settings.window(5);
    Duration measured = settings.window(15);
    report.setting("target", "GET " + path + " (the agent's JSON view), admin token");
    report.setting(
        "windows",
        warmup.toSeconds()
            + " s warm-up then "
            + measured.toSeconds()
            + " s measured, per side and loop");
    report.setting("layout", "every process on the same 2 cores (no pinning)");
    URI direct = stack.registry().uri().resolve(path);
    URI through = stack.gateway().uri().resolve(path);
    String token = tenant.admin();
    ProcessCpu cpu = stack.cpu();

    LoadDriver.Result closedDirect =
        HttpLoad.measure("direct", direct, token, 0, warmup, measured, cpu, report);
    LoadDriver.Result closedThrough =
        HttpLoad.measure("gateway", through, token, 0, warmup, measured, cpu, report);
    double ratio = closedThrough.requestsPerSecond() / closedDirect.requestsPerSecond();
    report.figure(
        "direct req/s, closed loop 64 connections", closedDirect.requestsPerSecond(), "/s");
    report.add(
        new Figure(
            "through the gateway req/s, closed loop 64 connections",
            closedThrough.requestsPerSecond(),
            "/s",
            "direct req/s",
            ratio,
            "≥ 0.85",
            ratio >= 0.85));

    double openLoopRate =
        Math.floor(closedThrough.requestsPerSecond() * OPEN_LOOP_SHARE_OF_CAPACITY);
    report.setting(
        "open loop rate",
        openLoopRate + " req/s: half of the gateway path's closed-loop throughput");
    LoadDriver.Result openDirect =
        HttpLoad.measure("direct", direct, token, openLoopRate, warmup, measured, cpu, report);
    LoadDriver.Result openThrough =
        HttpLoad.measure("gateway", through, token, openLoopRate, warmup, measured, cpu, report);
    double addedP50 = openThrough.millis(50) - openDirect.millis(50);
    String at = String.format(" at %.0f req/s", openLoopRate);
    report.figure("direct p50" + at, openDirect.millis(50), "ms");
    report.figure("gateway p50" + at, openThrough.millis(50), "ms");
    report.add(new Figure("added p50" + at, addedP50, "ms", null, null, "≤ 1 ms", addedP50 <= 1));
    report.figure("added p99" + at, openThrough.millis(99) - openDirect.millis(99), "ms");
    return report;
  }
}
