package dev.agentplane.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
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
      implements RunEvent {}

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
      implements RunEvent {}

  /**
   * Execution emits once a step's checkpoint is durable; SSE and external consumers read.
   *
   * @param step the step number, from 1
   */
  @EventType("dev.agentplane.run.step_checkpointed")
  record RunStepCheckpointed(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      int step,
      UUID checkpointId)
      implements RunEvent {}

  /**
   * Execution emits when the model asks for a tool call; SSE and external consumers read.
   *
   * @param toolCallId the model's id of the call; with the run id, the call's idempotency key
   * @param arguments the arguments as the model produced them
   */
  @EventType("dev.agentplane.run.tool_call_requested")
  record ToolCallRequested(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      String toolCallId,
      String toolName,
      JsonNode arguments)
      implements RunEvent {}

  /**
   * Execution emits when a tool call has ended, however it ended; SSE and external consumers read.
   *
   * @param resultSummary a short, display-safe summary of the result, null when there is none
   * @param error what went wrong or why it was rejected, null when the call succeeded
   */
  @EventType("dev.agentplane.run.tool_call_completed")
  record ToolCallCompleted(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence,
      String toolCallId,
      String toolName,
      ToolCallOutcome outcome,
      String resultSummary,
      String error)
      implements RunEvent {}

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
      implements RunEvent {}

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
      implements RunEvent {}

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
      implements RunEvent {}

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
      implements RunEvent {}

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
      implements RunEvent {}

  /** Execution emits when a run exceeds its deadline; SSE and external consumers read. */
  @EventType("dev.agentplane.run.timed_out")
  record RunTimedOut(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      String tenantId,
      UUID runId,
      UUID agentId,
      long sequence)
      implements RunEvent {}
}
