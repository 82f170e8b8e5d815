package dev.agentplane.bench.approvals;

import dev.agentplane.bench.BenchSettings;
import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.BenchTenant;
import dev.agentplane.bench.Percentiles;
import dev.agentplane.bench.ProcessCpu;
import dev.agentplane.bench.Scenario;
import dev.agentplane.bench.ScenarioReport;
import dev.agentplane.bench.ScenarioReport.Figure;
import dev.agentplane.bench.runs.RunLedger;
import dev.agentplane.bench.runs.RunLoad;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Scenario 6, paused runs at scale: 10,000 gated runs park waiting for approval; the execution
 * service's heap is read after a full GC with none and with all of them waiting; then some of them
 * are approved one at a time, timed from the decision to the tool call.
 */
public final class PausedRunsScenario implements Scenario {

  private static final double PARK_RATE = 200;
  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  @Override
  public String id() {
    return "paused";
  }

  @Override
  public String title() {
    return "6. Paused runs at scale";
  }

  @Override
  public ScenarioReport run(BenchStack stack, BenchSettings settings) throws Exception {
    ScenarioReport report = new ScenarioReport(id(), title());
    BenchTenant tenant = BenchTenant.withId(BenchTenant.PARKING_TENANT, stack);
    GatedAgent.register(tenant, stack);
    RunLedger ledger = new RunLedger(stack);
    int waiting = settings.count(10_000);
    int resumed = settings.count(50);
    report.setting(
        "load",
        waiting
            + " runs submitted at "
            + PARK_RATE
            + "/s straight to execution, each parks at its gate");

    double heapBefore = heapAfterFullGcMiB(stack);
    ProcessCpu cpu = stack.cpu();
    ProcessCpu.Sample before = cpu.sample();
    RunLoad load = new RunLoad(stack.execution().uri(), tenant.admin(), GatedAgent.RUN_REQUEST);
    load.submit(PARK_RATE, Duration.ofMillis(Math.round(waiting * 1000 / PARK_RATE)));
    // Requests the intake's in-flight caps refused (429) are sent again at half the rate, as a
    // client honouring Retry-After would, until the whole 10,000 wait.
    for (int round = 0; round < 3 && load.accepted().size() < waiting; round++) {
      int missing = waiting - load.accepted().size();
      load.submit(PARK_RATE / 2, Duration.ofMillis(Math.round(missing * 1000 / (PARK_RATE / 2))));
    }
    if (load.refused() > 0) {
      report.note(
          load.refused()
              + " submissions were refused and sent again (first: "
              + load.firstRefusal()
              + ")");
    }
    ledger.awaitInStatus(
        tenant.id(), "waiting_approval", load.accepted().size(), Duration.ofMinutes(3));
    report.cpu("parking", "run", cpu.sample().millisPerOperation(before, load.accepted().size()));
    double heapWaiting = heapAfterFullGcMiB(stack);
    report.figure("execution heap after full GC, none waiting", heapBefore, "MiB");
    report.add(
        new Figure(
            "execution heap after full GC, " + load.accepted().size() + " waiting",
            heapWaiting,
            "MiB",
            null,
            null,
            "≤ 200 MB",
            heapWaiting * 1.048576 <= 200));

    OneDecision decision = new OneDecision(stack, tenant.approver());
    List<UUID> parked = new ArrayList<>(load.accepted().keySet());
    Histogram latency = new Histogram(3);
    for (int i = 0; i < resumed && i < parked.size(); i++) {
      latency.recordValue(decision.approveAndTime(parked.get(i).toString()));
    }
    double p99 = Percentiles.millis(latency, 99);
    report.figure(
        "one of them: decision → tool invoked p50", Percentiles.millis(latency, 50), "ms");
    report.add(
        new Figure(
            "one of them: decision → tool invoked p99 (" + latency.getTotalCount() + " approved)",
            p99,
            "ms",
            null,
            null,
            "≤ 100 ms",
            p99 <= 100));
    report.note(
        "The other runs stay parked in their own tenant; nothing else reads its approvals.");
    return report;
  }

  /** Heap in use after {@code jcmd GC.run}, summed over the collector's spaces. */
  private static double heapAfterFullGcMiB(BenchStack stack)
      throws IOException, InterruptedException {
    jcmd(stack.execution().pid(), "GC.run");
    String info = jcmd(stack.execution().pid(), "GC.heap_info");
    // The first "used" of each generation line: "PSYoungGen total 76288K, used 1310K [...".
    long usedKiB = 0;
    for (String line : info.split("\n")) {
      if (line.contains("total") && line.contains("used")) {
        Matcher used = USED.matcher(line);
        if (used.find()) {
          usedKiB += Long.parseLong(used.group(1));
        }
      }
    }
    return usedKiB / 1024.0;
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
    Process jcmd =
        new ProcessBuilder(java.resolveSibling("jcmd").toString(), Long.toString(pid), command)
            .redirectErrorStream(true)
            .start();
    String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (jcmd.waitFor() != 0) {
      throw new IllegalStateException("jcmd " + command + " failed: " + output);
    }
    return output;
  }
}
