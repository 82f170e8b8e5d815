package dev.agentplane.execution.tool.builtin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.agentplane.execution.tool.ToolFailure;
import dev.agentplane.execution.tool.ToolInvocation;
import dev.agentplane.execution.tool.ToolResult;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code sleep} {@code {milliseconds}}: waits that long, answering {@code {"slept": ms}}; for
 * trying timeouts, cancellation and slow tools. The wait is bounded by a configured maximum and by
 * the call's timeout, and ends at once when the run is cancelled (the thread is interrupted).
 */
final class SleepTool implements BuiltinTool {

  private final Duration maximum;

  SleepTool(Duration maximum) {
    this.maximum = maximum;
  }

  @Override
  public String name() {
    return "sleep";
  }

  @Override
  public ToolResult call(ToolInvocation invocation) throws InterruptedException {
    long milliseconds = ToolArguments.of(invocation.arguments()).wholeNumber("milliseconds");
    if (milliseconds < 0) {
      throw ToolArguments.invalid("'milliseconds' must not be negative");
    }
    if (milliseconds > maximum.toMillis()) {
      throw ToolArguments.invalid(
          "'milliseconds' may be at most " + maximum.toMillis() + ", not " + milliseconds);
    }
    Duration asked = Duration.ofMillis(milliseconds);
    Duration allowed = invocation.timeout();
    if (allowed != null && allowed.compareTo(asked) < 0) {
      waitFor(allowed);
      throw new ToolFailure(
          "tool_timeout",
          "sleeping "
              + milliseconds
              + " ms outlasts the call's timeout of "
              + allowed.toMillis()
              + " ms");
    }
    waitFor(asked);
    return ToolResult.of(
        JsonNodeFactory.instance.objectNode().put("slept", milliseconds).toString());
  }

  // Parking rather than sleeping the thread: the same prompt exit on interrupt, and waiting is this
  // tool's whole purpose, not a workaround.
  private static void waitFor(Duration duration) throws InterruptedException {
    long deadline = System.nanoTime() + duration.toNanos();
    for (long left = duration.toNanos(); ; left = deadline - System.nanoTime()) {
      if (Thread.interrupted()) {
        throw new InterruptedException("sleep tool interrupted");
      }
      if (left <= 0) {
        return;
      }
      LockSupport.parkNanos(left);
    }
  }
}
