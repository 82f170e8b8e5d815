package dev.agentplane.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.agentplane.bench.approvals.PausedRunsScenario;
import dev.agentplane.bench.approvals.RoundTripScenario;
import dev.agentplane.bench.gateway.GatewayScenario;
import dev.agentplane.bench.limits.LimitsScenario;
import dev.agentplane.bench.peer.PeerScenario;
import dev.agentplane.bench.runs.IntakeScenario;
import dev.agentplane.bench.runs.NoisyNeighbourScenario;
import dev.agentplane.bench.runs.StepsScenario;
import dev.agentplane.bench.sse.SsePassThroughScenario;
import dev.agentplane.testkit.ServiceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every benchmark scenario in one run on one stack: prints each figure as it is measured, then
 * writes the raw results ({@code docs/benchmarks/suite-results.json}) and the suite's table at the
 * top of {@code docs/benchmarks.md}.
 *
 * <p>Usage: {@code BenchSuite [--only id,id] [--quick] [--no-write] [--without-rls]}.
 */
public final class BenchSuite {

  private BenchSuite() {}

  public static void main(String[] args) {
    // The embedded servers' threads would keep the JVM up either way.
    try {
      run(Arrays.asList(args));
      System.exit(0);
    } catch (Exception | AssertionError e) {
      e.printStackTrace();
      System.exit(1);
    }
  }

  private static void run(List<String> arguments) throws Exception {
    BenchSettings settings = new BenchSettings(arguments.contains("--quick"));
    Set<String> only = only(arguments);
    List<Scenario> chosen =
        scenarios().stream().filter(s -> only.isEmpty() || only.contains(s.id())).toList();
    long started = System.nanoTime();
    List<ScenarioReport> reports = new ArrayList<>();
    Map<String, Object> stackSettings;
    boolean rowLevelSecurity = !arguments.contains("--without-rls");
    try (BenchStack stack = BenchStack.start(rowLevelSecurity)) {
      System.out.printf(
          "Stack up in %.1f s (row-level security %s)%n",
          (System.nanoTime() - started) / 1e9, rowLevelSecurity ? "on" : "off");
      stackSettings = stack.settings();
      StackWarmup.run(stack, settings);
      for (Scenario scenario : chosen) {
        System.out.println();
        System.out.println("== " + scenario.title());
        long scenarioStarted = System.nanoTime();
        ScenarioReport report = scenario.run(stack, settings);
        report.tookSeconds((System.nanoTime() - scenarioStarted) / 1e9);
        reports.add(report);
      }
    }
    double totalSeconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("%nSuite done in %.0f s%n", totalSeconds);
    // Figures without row-level security are a comparison, not the product's: never written.
    if (!arguments.contains("--no-write") && !settings.quick() && rowLevelSecurity) {
      write(reports, stackSettings, totalSeconds);
    }
  }

  /** In the order, but for the SSE streams and the paused runs, which are the longest. */
  private static List<Scenario> scenarios() {
    LimitsScenario limits = new LimitsScenario();
    return List.of(
        limits,
        new StepsScenario(limits),
        new PeerScenario(),
        new GatewayScenario(),
        new RoundTripScenario(),
        new SsePassThroughScenario(),
        new IntakeScenario(),
        new NoisyNeighbourScenario(),
        new PausedRunsScenario());
  }

  private static Set<String> only(List<String> arguments) {
    int at = arguments.indexOf("--only");
    if (at < 0 || at + 1 >= arguments.size()) {
      return Set.of();
    }
    return Arrays.stream(arguments.get(at + 1).split(",")).collect(Collectors.toSet());
  }

  private static void write(
      List<ScenarioReport> reports, Map<String, Object> stackSettings, double totalSeconds)
      throws Exception {
    Path docs = ServiceSpec.repositoryRoot().resolve("docs");
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("measuredAt", Instant.now().toString());
    raw.put("totalSeconds", totalSeconds);
    raw.put("stack", stackSettings);
    raw.put("scenarios", reports);
    Path json = docs.resolve("benchmarks/suite-results.json");
    Files.createDirectories(json.getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), raw);
    SuiteTable.writeInto(
        docs.resolve("benchmarks.md"), reports, stackSettings, totalSeconds, Instant.now());
    System.out.println("Wrote " + json + " and the suite's table in docs/benchmarks.md");
  }
}
