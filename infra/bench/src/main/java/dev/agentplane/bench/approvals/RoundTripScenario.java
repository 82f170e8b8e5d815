package dev.agentplane.bench.approvals;

import dev.agentplane.bench.BenchSettings;
import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.BenchTenant;
import dev.agentplane.bench.Percentiles;
import dev.agentplane.bench.Scenario;
import dev.agentplane.bench.ScenarioReport;
import dev.agentplane.bench.ScenarioReport.Figure;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import org.HdrHistogram.Histogram;

/**
 * Scenario 5, approval round trip: one gated run at a time parks, is approved through the approval
 * API, and the clock runs from the decision's 200 to the tool call's arrival: the approval outbox,
 * Kafka, the execution service's decision listener, a worker's claim, the tool-started commit and
 * the HTTP call.
 */
public final class RoundTripScenario implements Scenario {

  @Override
  public String id() {
    return "roundtrip";
  }

  @Override
  public String title() {
    return "5. Approval round trip";
  }

  @Override
  public ScenarioReport run(BenchStack stack, BenchSettings settings) throws Exception {
    ScenarioReport report = new ScenarioReport(id(), title());
    BenchTenant tenant = BenchTenant.named("roundtrip", stack);
    GatedAgent.register(tenant, stack);
    OneDecision decision = new OneDecision(stack, tenant.approver());
    ServiceApi execution = new ServiceApi(stack.execution().uri());
    int warmup = settings.count(30);
    int samples = settings.count(200);
    report.setting("samples", samples + " runs one at a time, after " + warmup + " not recorded");
    Histogram latency = new Histogram(3);
    for (int i = 0; i < warmup + samples; i++) {
      Reply accepted = execution.post("/v1/runs", tenant.admin(), GatedAgent.RUN_REQUEST);
      if (accepted.status() != 202) {
        throw new IllegalStateException("Run refused: " + accepted.raw());
      }
      long micros = decision.approveAndTime(accepted.body().path("id").asText());
      if (i >= warmup) {
        latency.recordValue(micros);
      }
    }
    report.figure("decision → tool invoked p50", Percentiles.millis(latency, 50), "ms");
    double p99 = Percentiles.millis(latency, 99);
    report.add(
        new Figure("decision → tool invoked p99", p99, "ms", null, null, "≤ 50 ms", p99 <= 50));
    report.figure("decision → tool invoked max", latency.getMaxValue() / 1000.0, "ms");
    return report;
  }
}
