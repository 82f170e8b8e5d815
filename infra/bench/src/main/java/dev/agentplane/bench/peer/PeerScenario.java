package dev.agentplane.bench.peer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.bench.BenchSettings;
import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.BenchTenant;
import dev.agentplane.bench.PollingApprover;
import dev.agentplane.bench.RateLadder;
import dev.agentplane.bench.RateLadder.Step;
import dev.agentplane.bench.Scenario;
import dev.agentplane.bench.ScenarioReport;
import dev.agentplane.bench.ScenarioReport.Figure;
import dev.agentplane.bench.approvals.Approver;
import dev.agentplane.bench.approvals.GatedAgent;
import dev.agentplane.bench.runs.RunWindow;
import dev.agentplane.testkit.TestPostgres.TestDatabase;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scenario 3, a peer side by side: one automated step, one human task approved programmatically,
 * end. In Flowable (embedded engine on the same PostgreSQL, async executor on, its own JVM): an
 * async service task, a user task completed by a polling approver, the end event. In AgentPlane: a
 * run whose scripted model calls a tool that waits for approval, approved through the approval API
 * by a polling approver, then the tool call and the answer. Each climbs the same ladder of fixed
 * arrival rates; the highest step it sustains is its throughput, with that step's p99.
 */
public final class PeerScenario implements Scenario {

  private static final double[] RATES = {10, 25, 50, 100};
  private static final double P99_LIMIT_MILLIS = 2000;
  private static final Duration APPROVER_POLL = Duration.ofMillis(50);

  @Override
  public String id() {
    return "peer";
  }

  @Override
  public String title() {
    return "3. Peer side by side (Flowable)";
  }

  @Override
  public ScenarioReport run(BenchStack stack, BenchSettings settings) throws Exception {
    ScenarioReport report = new ScenarioReport(id(), title());
    Duration warmup = settings.window(5);
    Duration measured = settings.window(15);
    report.setting(
        "ladder",
        "fixed arrival rates "
            + Arrays.toString(RATES)
            + "/s, each "
            + warmup.toSeconds()
            + " s warm-up + "
            + measured.toSeconds()
            + " s measured, until a step completes < 95 % of its offered rate or its p99 exceeds "
            + P99_LIMIT_MILLIS
            + " ms");
    report.setting(
        "approvers", "poll every " + APPROVER_POLL.toMillis() + " ms, 8 deciding threads");

    Map<String, Object> flowableSteps = new LinkedHashMap<>();
    TestDatabase flowableDatabase = stack.postgres().createDatabase("bench-flowable");
    List<Step> flowable =
        RateLadder.climb(
            rate -> {
              FlowableProcess.Measured step =
                  FlowableProcess.measure(
                      stack, flowableDatabase, rate, warmup, measured, APPROVER_POLL);
              JsonNode result = step.result();
              flowableSteps.put(String.format(Locale.ROOT, "%.0f/s", rate), result);
              report.cpu(
                  String.format(Locale.ROOT, "Flowable at %.0f/s", rate),
                  "process instance",
                  step.cpuPerInstance());
              return new Step(
                  rate,
                  result.path("runsPerSecond").asDouble(),
                  result.path("latencyMs").path("p50").asDouble(),
                  result.path("latencyMs").path("p99").asDouble(),
                  result.path("unfinished").asLong());
            },
            RATES,
            P99_LIMIT_MILLIS);
    report.setting("flowable steps", flowableSteps);

    BenchTenant tenant = BenchTenant.named("peer", stack);
    GatedAgent.register(tenant, stack);
    List<Step> agentPlane;
    try (PollingApprover approver =
        Approver.start(stack.approval().uri(), tenant.approver(), APPROVER_POLL)) {
      agentPlane =
          RateLadder.climb(
              rate -> agentPlaneStep(stack, tenant, rate, warmup, measured, report),
              RATES,
              P99_LIMIT_MILLIS);
      if (approver.failures() > 0) {
        report.note(
            "The approval API refused or failed " + approver.failures() + " reads or decisions.");
      }
    }
    report.setting("agentplane steps", RateLadder.describe(agentPlane));

    // An engine that sustained no step is represented by its lowest step, which is not sustained:
    // the comparison still shows, and the target then cannot be met.
    Step flowableBest = sustainedOrLowest(flowable);
    Step agentPlaneBest = sustainedOrLowest(agentPlane);
    String flowableLabel = label(flowableBest);
    String agentPlaneLabel = label(agentPlaneBest);
    report.figure(
        "Flowable runs/s (" + flowableLabel + ")", flowableBest.completedPerSecond(), "/s");
    report.figure("Flowable p50 (" + flowableLabel + ")", flowableBest.p50Millis(), "ms");
    report.figure("Flowable p99 (" + flowableLabel + ")", flowableBest.p99Millis(), "ms");
    report.figure("AgentPlane p50 (" + agentPlaneLabel + ")", agentPlaneBest.p50Millis(), "ms");
    report.figure("AgentPlane p99 (" + agentPlaneLabel + ")", agentPlaneBest.p99Millis(), "ms");
    double ratio = agentPlaneBest.completedPerSecond() / flowableBest.completedPerSecond();
    boolean bothSustained =
        agentPlaneBest.sustained(P99_LIMIT_MILLIS) && flowableBest.sustained(P99_LIMIT_MILLIS);
    report.add(
        new Figure(
            "AgentPlane runs/s (" + agentPlaneLabel + ")",
            agentPlaneBest.completedPerSecond(),
            "/s",
            "Flowable runs/s",
            ratio,
            "≥ 1.5 at equal or better p99",
            bothSustained
                && ratio >= 1.5
                && agentPlaneBest.p99Millis() <= flowableBest.p99Millis()));
    return report;
  }

  private static Step sustainedOrLowest(List<Step> steps) {
    Step best = RateLadder.best(steps, P99_LIMIT_MILLIS);
    return best != null ? best : steps.getFirst();
  }

  private static String label(Step step) {
    return String.format(
        Locale.ROOT,
        step.sustained(P99_LIMIT_MILLIS)
            ? "highest sustained step, %.0f/s offered"
            : "none sustained; %.0f/s offered",
        step.offeredPerSecond());
  }

  private static Step agentPlaneStep(
      BenchStack stack,
      BenchTenant tenant,
      double rate,
      Duration warmup,
      Duration measured,
      ScenarioReport report)
      throws Exception {
    RunWindow window =
        RunWindow.measure(
            stack, tenant, GatedAgent.RUN_REQUEST, rate, warmup, measured, Duration.ofSeconds(30));
    report.cpu(String.format(Locale.ROOT, "AgentPlane at %.0f/s", rate), "run", window.cpuPerRun());
    return window.step();
  }
}
