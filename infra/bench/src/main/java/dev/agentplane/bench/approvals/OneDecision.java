package dev.agentplane.bench.approvals;

import dev.agentplane.bench.BenchStack;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One gated run's approval timed end to end: find its pending request through the approval API,
 * approve it, and measure from the decision's 200 (the decision is committed) until the tool call
 * reaches the tool server.
 */
final class OneDecision {

  private static final Duration WITHIN = Duration.ofSeconds(60);

  private final BenchStack stack;
  private final ServiceApi approvals;
  private final String approverToken;

  OneDecision(BenchStack stack, String approverToken) {
    this.stack = stack;
    this.approvals = new ServiceApi(stack.approval().uri());
    this.approverToken = approverToken;
  }

  /** Approves run {@code runId}'s pending tool call; answers decision → tool invoked, in µs. */
  long approveAndTime(String runId) throws Exception {
    String approvalId = awaitPending(runId);
    var arrival = stack.toolServer().arrivalOf(runId);
    Reply decided =
        approvals.post(
            "/v1/approvals/" + approvalId + "/decisions",
            approverToken,
            "{\"decision\":\"approve\"}");
    long decidedAt = System.nanoTime();
    if (decided.status() != 200) {
      throw new IllegalStateException("Decision refused: " + decided.raw());
    }
    long arrived = arrival.get(WITHIN.toSeconds(), TimeUnit.SECONDS);
    stack.toolServer().forget(runId);
    return Math.max(0, (arrived - decidedAt) / 1000);
  }

  private String awaitPending(String runId) {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      Reply pending =
          approvals.get(
              "/v1/approvals?status=pending&kind=tool_call&subject=" + runId, approverToken);
      if (pending.status() == 200 && pending.body().path("items").size() > 0) {
        return pending.body().path("items").get(0).path("id").asText();
      }
      LockSupport.parkNanos(5_000_000);
    }
    throw new IllegalStateException("No pending approval for run " + runId + " within " + WITHIN);
  }
}
