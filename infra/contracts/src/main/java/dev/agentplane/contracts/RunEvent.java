package dev.agentplane.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Progress of one run, on {@link Topics#RUNS_EVENTS}, keyed by run id; execution emits, the
 * gateway's SSE fan-out and external consumers read.
 */
public sealed interface RunEvent extends PlatformEvent {

  UUID runId();

  UUID agentId();

  /**
   * Increases by one with every event of the run, starting at 1 with {@link RunQueued}, so that a
   * reader can order events, spot gaps and resume an SSE stream ({@code Last-Event-ID}).
   */
  long sequence();

  /**
   * The event's short name on a run's event stream ({@code GET /v1/runs/{id}/events}, SSE {@code
   * event:}), e.g. {@code run.queued} or {@code tool.succeeded}.
   */
  String streamName();

  @Override
  default String aggregateId() {
    return runId().toString();
  }

  /**
   * Execution emits when intake has persisted a run; SSE and external consumers read.
   *
   * @param agentVersion the agent version resolved and snapshotted into the run
   */
  @EventType("dev.agentplane.run.queued")
  record RunQueued(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      int agentVersion,
      RunMode mode)
      implements RunEvent {
    @Override
    public String streamName() {
      return "run.queued";
    }
  }

  /** Execution emits when a worker first claims the run; SSE and external consumers read. */
  @EventType("dev.agentplane.run.started")
  record RunStarted(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence)
      implements RunEvent {
    @Override
    public String streamName() {
      return "run.started";
    }
  }

  /**
   * Execution emits when a step begins: a model call or a tool call, each checkpointed when it
   * ends.
   *
   * @param step the step number, from 1; model calls and tool calls share the numbering
   */
  @EventType("dev.agentplane.run.step_started")
  record StepStarted(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      int step,
      StepKind kind)
      implements RunEvent {
    @Override
    public String streamName() {
      return "step.started";
    }
  }

  /**
   * Execution emits text the model is producing, coalesced over a short window so that a streamed
   * answer costs a few events rather than one per token.
   */
  @EventType("dev.agentplane.run.model_delta")
  record ModelDelta(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      int step,
      String text)
      implements RunEvent {
    @Override
    public String streamName() {
      return "model.delta";
    }
  }

  /**
   * Execution emits when a model call has returned and its step is checkpointed.
   *
   * @param content the model's text, null when it only asked for tools
   * @param toolCalls how many tool calls it asked for
   * @param finishReason the provider's reason, e.g. {@code stop} or {@code tool_calls}
   */
  @EventType("dev.agentplane.run.model_completed")
  record ModelCompleted(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      int step,
      String content,
      int toolCalls,
      long inputTokens,
      long outputTokens,
      String finishReason)
      implements RunEvent {
    @Override
    public String streamName() {
      return "model.completed";
    }
  }

  /**
   * Execution emits before it calls a tool.
   *
   * @param toolCallId the model's id of the call; with the run id, the call's idempotency key
   * @param arguments the arguments the call is made with: the model's, or an approver's edits
   *     (never secret values: those are resolved into headers at call time)
   * @param idempotencyKey the key the call carries downstream ({@code <run id>:<tool call id>});
   *     recorded before the call is made, so that after a crash the next worker knows the call may
   *     have happened; null in events written before it was added
   */
  @EventType("dev.agentplane.run.tool_started")
  record ToolStarted(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      int step,
      String toolCallId,
      String toolName,
      JsonNode arguments,
      String idempotencyKey)
      implements RunEvent {

    /** Transitional: a tool.started without its key, as code written before the key was added. */
    public ToolStarted(
        UUID eventId,
        Instant occurredAt,
        int schemaVersion,
        String tenantId,
        UUID runId,
        UUID agentId,
        long sequence,
        int step,
        String toolCallId,
        String toolName,
        JsonNode arguments) {
      this(
          eventId,
          occurredAt,
          schemaVersion,
          tenantId,
          runId,
          agentId,
          sequence,
          step,
          toolCallId,
          toolName,
          arguments,
          null);
    }

    @Override
    public String streamName() {
      return "tool.started";
    }
  }

  /**
   * Execution emits when a tool call returned a result, once the result is checkpointed.
   *
   * @param resultSummary a short, display-safe prefix of the result
   */
  @EventType("dev.agentplane.run.tool_succeeded")
  record ToolSucceeded(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      int step,
      String toolCallId,
      String toolName,
      String resultSummary,
      long durationMs)
      implements RunEvent {
    @Override
    public String streamName() {
      return "tool.succeeded";
    }
  }

  /**
   * Execution emits when a tool call failed or was refused (invalid arguments, unknown tool,
   * timeout, HTTP error); the error goes back to the model as the tool result.
   *
   * @param errorCode stable cause, e.g. {@code invalid_arguments}, {@code unknown_tool}
   */
  @EventType("dev.agentplane.run.tool_failed")
  record ToolFailed(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      int step,
      String toolCallId,
      String toolName,
      String errorCode,
      String message)
      implements RunEvent {
    @Override
    public String streamName() {
      return "tool.failed";
    }
  }

  /**
   * Execution emits when a gated tool call parks the run in {@code waiting_approval}; SSE and
   * external consumers read.
   *
   * @param approvalId minted by execution and sent along in the {@link ApprovalRequested}, so that
   *     readers can follow the run to its approval
   */
  @EventType("dev.agentplane.run.tool_approval_requested")
  record ToolApprovalRequested(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      String toolCallId,
      String toolName,
      UUID approvalId)
      implements RunEvent {
    @Override
    public String streamName() {
      return "tool.approval_requested";
    }
  }

  /**
   * Execution emits when the decision on a gated tool call reaches the run (approved, approved with
   * edits, rejected or expired); SSE and external consumers read.
   *
   * @param outcome how the approval request ended
   * @param decidedBy subjects of the approvers, empty when the request expired
   * @param reason the approver's reason, null if none; for a rejection it goes back to the model
   * @param argumentsDiff the approver's edits as an RFC 6902 JSON Patch against the requested
   *     arguments; null when nothing was edited
   */
  @EventType("dev.agentplane.run.tool_approval_decided")
  record ToolApprovalDecided(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      String toolCallId,
      String toolName,
      UUID approvalId,
      ApprovalOutcome outcome,
      List<String> decidedBy,
      String reason,
      JsonNode argumentsDiff)
      implements RunEvent {
    public ToolApprovalDecided {
      decidedBy = List.copyOf(Objects.requireNonNull(decidedBy, "decidedBy"));
    }

    @Override
    public String streamName() {
      return "tool.approval_decided";
    }
  }

  /**
   * Execution emits when a run continues from its last checkpoint (after an approval or a worker
   * takeover); SSE and external consumers read.
   */
  @EventType("dev.agentplane.run.resumed")
  record RunResumed(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence)
      implements RunEvent {
    @Override
    public String streamName() {
      return "run.resumed";
    }
  }

  /**
   * Execution emits when the agent has produced its final answer; SSE and external consumers read.
   */
  @EventType("dev.agentplane.run.succeeded")
  record RunSucceeded(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      JsonNode output)
      implements RunEvent {
    @Override
    public String streamName() {
      return "run.succeeded";
    }
  }

  /**
   * Execution emits when a run ends in an error; SSE and external consumers read.
   *
   * @param errorCode stable, machine-readable cause, e.g. {@code model_unavailable}
   * @param retryable whether requesting the same run again may succeed
   */
  @EventType("dev.agentplane.run.failed")
  record RunFailed(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      String errorCode,
      String message,
      boolean retryable)
      implements RunEvent {
    @Override
    public String streamName() {
      return "run.failed";
    }
  }

  /**
   * Execution emits when a principal cancels a run; SSE and external consumers read.
   *
   * @param by subject of the principal who cancelled
   * @param reason null when none was given
   */
  @EventType("dev.agentplane.run.cancelled")
  record RunCancelled(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      String by,
      String reason)
      implements RunEvent {
    @Override
    public String streamName() {
      return "run.cancelled";
    }
  }

  /**
   * Execution emits when a run exceeds its deadline; SSE and external consumers read.
   *
   * @param errorCode {@code timeout} for the run's deadline; a step's own deadline is a step error
   */
  @EventType("dev.agentplane.run.timed_out")
  record RunTimedOut(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      String errorCode)
      implements RunEvent {
    @Override
    public String streamName() {
      return "run.timed_out";
    }
  }
}
