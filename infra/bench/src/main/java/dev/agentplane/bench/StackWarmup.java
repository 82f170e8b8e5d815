package dev.agentplane.bench;

import dev.agentplane.bench.approvals.Approver;
import dev.agentplane.bench.approvals.GatedAgent;
import dev.agentplane.bench.runs.EchoAgent;
import dev.agentplane.bench.runs.RunLedger;
import dev.agentplane.bench.runs.RunLoad;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Load on every path the scenarios measure, before the first one, unrecorded. A service JVM's C2
 * compiler keeps a core busy for minutes after its first requests (JFR on execution during the
 * first scenario: 19,000 methods compiled, C2 busy for the first three minutes), and on two shared
 * cores whatever the compiler takes is charged to the scenario that happens to run then.
 *
 * <p>Through the gateway, at the same time: checkpointed runs at 15/s, gated runs at 2/s approved
 * by an {@link Approver}, and {@code GET /v1/agents/{id}} at 150/s; then every run is awaited.
 */
final class StackWarmup {

  // Well inside what the stack carries at once: a warm-up that queues warms nothing faster and
  // leaves its queue to the first scenario.
  private static final double RUNS_PER_SECOND = 15;
  private static final double GATED_RUNS_PER_SECOND = 2;
  private static final double READS_PER_SECOND = 150;

  private StackWarmup() {}

  static void run(BenchStack stack, BenchSettings settings) throws Exception {
    Duration window = settings.window(60);
    System.out.printf(
        "== Warm-up (not recorded): %d s of runs, gated runs and reads through the gateway%n",
        window.toSeconds());
    BenchTenant tenant = BenchTenant.named("warmup", stack);
    String agentId = EchoAgent.register(tenant);
    GatedAgent.register(tenant, stack);
    RunLoad runs = new RunLoad(stack.gateway().uri(), tenant.admin(), EchoAgent.RUN_REQUEST);
    RunLoad gated = new RunLoad(stack.gateway().uri(), tenant.admin(), GatedAgent.RUN_REQUEST);
    try (PollingApprover approver =
        Approver.start(stack.approval().uri(), tenant.approver(), Duration.ofMillis(50))) {
      List<CompletableFuture<?>> loads = new ArrayList<>();
      loads.add(background(() -> runs.submit(RUNS_PER_SECOND, window)));
      loads.add(background(() -> gated.submit(GATED_RUNS_PER_SECOND, window)));
      // The load driver's 64 connections, not a connection per request: reads that queue must
      // not open sockets without bound.
      loads.add(
          background(
              () ->
                  HttpLoad.run(
                      "warm-up reads",
                      stack.gateway().uri().resolve("/v1/agents/" + agentId),
                      tenant.admin(),
                      READS_PER_SECOND,
                      window)));
      loads.forEach(CompletableFuture::join);
      RunLedger ledger = new RunLedger(stack);
      List<UUID> submitted = new ArrayList<>(runs.accepted().keySet());
      submitted.addAll(gated.accepted().keySet());
      long unfinished = ledger.awaitFinished(submitted, Duration.ofSeconds(120));
      System.out.printf(
          "    %d runs, %d refused, %d unfinished after the warm-up%n",
          submitted.size(), runs.refused() + gated.refused(), unfinished);
    }
  }

  @FunctionalInterface
  private interface Load {
    void run() throws Exception;
  }

  private static CompletableFuture<Void> background(Load load) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            load.run();
          } catch (Exception e) {
            throw new IllegalStateException("Warm-up load failed", e);
          }
        },
        runnable -> Thread.ofPlatform().name("warmup-load").start(runnable));
  }
}
