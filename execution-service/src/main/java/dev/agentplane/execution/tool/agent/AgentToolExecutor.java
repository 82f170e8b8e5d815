package dev.agentplane.execution.tool.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.loop.LoopSettings;
import dev.agentplane.execution.loop.RunWorkers;
import dev.agentplane.execution.run.Run;
import dev.agentplane.execution.run.RunCancellation;
import dev.agentplane.execution.run.RunCommand;
import dev.agentplane.execution.run.RunIntake;
import dev.agentplane.execution.run.RunRepository;
import dev.agentplane.execution.run.RunStatus;
import dev.agentplane.execution.stream.RunNotifications;
import dev.agentplane.execution.tool.ToolExecutor;
import dev.agentplane.execution.tool.ToolFailure;
import dev.agentplane.execution.tool.ToolInvocation;
import dev.agentplane.execution.tool.ToolResult;
import dev.agentplane.kit.problem.ConflictException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.ForbiddenException;
import dev.agentplane.kit.problem.ProblemException;
import dev.agentplane.kit.problem.ValidationFailedException;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Agent-typed tools ({@code {type: agent, agent: {name}}}): the call starts a child run of the
 * named agent of the same tenant, with the call's arguments as its input, and waits for it; the
 * child's output is the tool's result.
 *
 * <p>The child runs as the parent's creator and in the parent's mode, so it passes the same role
 * rules; it is linked to the parent ({@code parentRunId}, {@code parentToolCallId}) and one level
 * deeper, up to {@code agentplane.execution.loop.max-depth}. Its idempotency key is derived from
 * the parent's tool call, so a worker repeating the call after a crash finds the same child instead
 * of starting another. While waiting, the parent lends its concurrency slot to the next run, so
 * nested agents cannot fill every slot with parents whose children wait behind them.
 */
@Singleton
public class AgentToolExecutor implements ToolExecutor {

  /** How often the wait re-reads the child even without a notification (one could be missed). */
  private static final Duration SAFETY_READ = Duration.ofSeconds(1);

  private final RunIntake intake;
  private final RunRepository runs;
  private final RunCancellation cancellation;
  private final RunNotifications notifications;
  // A provider: the workers drive the loop, which calls this executor.
  private final BeanProvider<RunWorkers> workers;
  private final LoopSettings settings;

  AgentToolExecutor(
      RunIntake intake,
      RunRepository runs,
      RunCancellation cancellation,
      RunNotifications notifications,
      BeanProvider<RunWorkers> workers,
      LoopSettings settings) {
    this.intake = intake;
    this.runs = runs;
    this.cancellation = cancellation;
    this.notifications = notifications;
    this.workers = workers;
    this.settings = settings;
  }

  @Override
  public String type() {
    return "agent";
  }

  @Override
  public ToolResult call(ToolInvocation invocation) throws InterruptedException {
    long deadline = System.nanoTime() + waitLimit(invocation.timeout()).toNanos();
    String childAgent = invocation.spec().path("agent").path("name").asText("");
    if (childAgent.isEmpty()) {
      throw new ToolFailure("invalid_tool_spec", "The agent tool names no agent (agent.name)");
    }
    Run parent =
        runs.findAnyTenant(invocation.runId())
            .filter(run -> run.tenantId().equals(invocation.tenantId()))
            .orElseThrow(() -> new ToolFailure("tool_error", "The calling run is gone"));
    if (parent.depth() + 1 > settings.maxDepth()) {
      throw new ToolFailure(
          "agent_depth_exceeded",
          "Agent runs may nest "
              + settings.maxDepth()
              + " levels deep; this run is at level "
              + parent.depth()
              + ", so it cannot start the agent "
              + childAgent);
    }
    RunIntake.Accepted started = start(parent, invocation, childAgent);
    Run child = started.run();
    if (started.replayed()) {
      // The call is being repeated (a crash, a takeover): the child may still wait for a worker.
      // A new child needs no offer, the workers start runs accepted here at once.
      workers.get().offer(child.tenantId(), child.id());
    }
    try {
      return workers.get().lendingSlot(parent.id(), () -> awaitEnd(child, deadline));
    } catch (InterruptedException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private RunIntake.Accepted start(Run parent, ToolInvocation invocation, String childAgent) {
    RunCommand command =
        new RunCommand(
            childAgent,
            null,
            invocation.arguments(),
            parent.mode(),
            "child:" + invocation.idempotencyKey(),
            Map.of());
    try {
      return intake.accept(
          creatorOf(parent),
          command,
          new RunIntake.Parent(parent.id(), invocation.toolCallId(), parent.depth() + 1),
          Duration.ZERO);
    } catch (ValidationFailedException e) {
      throw new ToolFailure(
          e.errors().stream().anyMatch(error -> error.pointer().equals("/agent"))
              ? "agent_not_found"
              : "invalid_arguments",
          describe(e));
    } catch (ConflictException e) {
      throw new ToolFailure("agent_not_runnable", describe(e));
    } catch (ForbiddenException e) {
      throw new ToolFailure("agent_forbidden", describe(e));
    } catch (ProblemException e) {
      throw new ToolFailure("tool_error", describe(e));
    }
  }

  /**
   * Parks until the child ends, woken by its events; past the deadline the child is cancelled and
   * the call times out here, just before the loop's own limit for the call would cut it off.
   */
  private ToolResult awaitEnd(Run child, long deadline) throws InterruptedException {
    Thread waiter = Thread.currentThread();
    AutoCloseable wake = notifications.onEvents(child.id(), () -> LockSupport.unpark(waiter));
    try {
      while (true) {
        Run now = runs.findAnyTenant(child.id()).orElseThrow();
        if (now.status().terminal()) {
          return resultOf(now);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          cancellation.cancelForPlatform(
              now.tenantId(), now.id(), "The parent run stopped waiting for it (tool timeout)");
          throw new ToolFailure(
              "tool_timeout", "The child run " + now.id() + " did not finish in time");
        }
        // Parking (not sleeping): a notification of the child's next event unparks at once.
        LockSupport.parkNanos(Math.min(left, SAFETY_READ.toNanos()));
        if (Thread.interrupted()) {
          throw new InterruptedException("The parent run stopped");
        }
      }
    } finally {
      try {
        wake.close();
      } catch (Exception cannotHappen) {
        throw new IllegalStateException(cannotHappen);
      }
    }
  }

  private static ToolResult resultOf(Run child) {
    if (child.status() == RunStatus.SUCCEEDED) {
      JsonNode output = child.output();
      return ToolResult.of(
          output == null || output.isNull()
              ? ""
              : output.isTextual() ? output.textValue() : output.toString());
    }
    throw new ToolFailure(
        "agent_run_failed",
        "The child run "
            + child.id()
            + " of agent "
            + child.agentName()
            + " ended "
            + child.status().wire()
            + (child.errorCode() == null ? "" : " (" + child.errorCode() + ")")
            + (child.errorMessage() == null ? "" : ": " + child.errorMessage()));
  }

  /** The parent's creator, as it was vouched for when the parent was accepted. */
  private static TenantPrincipal creatorOf(Run parent) {
    EnumSet<Role> roles = EnumSet.noneOf(Role.class);
    parent.creatorRoles().forEach(claim -> Role.fromClaim(claim).ifPresent(roles::add));
    return new TenantPrincipal(parent.tenantId(), parent.createdBy(), roles, parent.creatorType());
  }

  private static String describe(ProblemException e) {
    if (e.errors().isEmpty()) {
      return e.getMessage();
    }
    return e.getMessage()
        + ": "
        + e.errors().stream()
            .map(error -> rootedAtArguments(error) + ": " + error.message())
            .collect(Collectors.joining("; "));
  }

  /** The child's input is the call's arguments, so its {@code /input} pointers are theirs. */
  private static String rootedAtArguments(FieldError error) {
    String pointer = error.pointer();
    if (pointer.startsWith("/input")) {
      String rest = pointer.substring("/input".length());
      return rest.isEmpty() ? "/" : rest;
    }
    return pointer;
  }

  /** A little less than the loop's limit for the call, so the child is cancelled here. */
  private static Duration waitLimit(Duration callLimit) {
    Duration margin = callLimit.dividedBy(10);
    Duration cap = Duration.ofSeconds(1);
    return callLimit.minus(margin.compareTo(cap) > 0 ? cap : margin);
  }
}
