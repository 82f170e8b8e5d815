package dev.agentplane.execution.loop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.RunEvent;
import dev.agentplane.contracts.StepKind;
import dev.agentplane.execution.tool.ToolInvocation;
import java.time.Instant;
import java.util.UUID;

/** The events of one run, drafted for a journal commit that will number them. */
final class EventDrafts {

  private static final int SCHEMA_VERSION = 1;
  private static final int SUMMARY_LENGTH = 500;

  private final String tenantId;
  private final UUID runId;
  private final UUID agentId;

  EventDrafts(String tenantId, UUID runId, UUID agentId) {
    this.tenantId = tenantId;
    this.runId = runId;
    this.agentId = agentId;
  }

  EventDraft started() {
    return seq ->
        new RunEvent.RunStarted(id(), now(), SCHEMA_VERSION, tenantId, runId, agentId, seq);
  }

  EventDraft resumed() {
    return seq ->
        new RunEvent.RunResumed(id(), now(), SCHEMA_VERSION, tenantId, runId, agentId, seq);
  }

  EventDraft stepStarted(int step, StepKind kind) {
    return seq ->
        new RunEvent.StepStarted(
            id(), now(), SCHEMA_VERSION, tenantId, runId, agentId, seq, step, kind);
  }

  EventDraft modelDelta(int step, String text) {
    return seq ->
        new RunEvent.ModelDelta(
            id(), now(), SCHEMA_VERSION, tenantId, runId, agentId, seq, step, text);
  }

  EventDraft modelCompleted(
      int step, String content, int toolCalls, long in, long out, String finishReason) {
    return seq ->
        new RunEvent.ModelCompleted(
            id(),
            now(),
            SCHEMA_VERSION,
            tenantId,
            runId,
            agentId,
            seq,
            step,
            content,
            toolCalls,
            in,
            out,
            finishReason);
  }

  EventDraft toolStarted(int step, String toolCallId, String toolName, JsonNode arguments) {
    return seq ->
        new RunEvent.ToolStarted(
            id(),
            now(),
            SCHEMA_VERSION,
            tenantId,
            runId,
            agentId,
            seq,
            step,
            toolCallId,
            toolName,
            arguments,
            ToolInvocation.idempotencyKeyOf(runId, toolCallId));
  }

  EventDraft toolSucceeded(
      int step, String toolCallId, String toolName, String result, long durationMs) {
    return seq ->
        new RunEvent.ToolSucceeded(
            id(),
            now(),
            SCHEMA_VERSION,
            tenantId,
            runId,
            agentId,
            seq,
            step,
            toolCallId,
            toolName,
            summary(result),
            durationMs);
  }

  EventDraft toolFailed(int step, String toolCallId, String toolName, String code, String message) {
    return seq ->
        new RunEvent.ToolFailed(
            id(),
            now(),
            SCHEMA_VERSION,
            tenantId,
            runId,
            agentId,
            seq,
            step,
            toolCallId,
            toolName,
            code,
            message);
  }

  EventDraft toolApprovalRequested(String toolCallId, String toolName, UUID approvalId) {
    return seq ->
        new RunEvent.ToolApprovalRequested(
            id(),
            now(),
            SCHEMA_VERSION,
            tenantId,
            runId,
            agentId,
            seq,
            toolCallId,
            toolName,
            approvalId);
  }

  EventDraft succeeded(JsonNode output) {
    return seq ->
        new RunEvent.RunSucceeded(
            id(), now(), SCHEMA_VERSION, tenantId, runId, agentId, seq, output);
  }

  EventDraft failed(String code, String message, boolean retryable) {
    return seq ->
        new RunEvent.RunFailed(
            id(), now(), SCHEMA_VERSION, tenantId, runId, agentId, seq, code, message, retryable);
  }

  EventDraft cancelled(String by, String reason) {
    return seq ->
        new RunEvent.RunCancelled(
            id(), now(), SCHEMA_VERSION, tenantId, runId, agentId, seq, by, reason);
  }

  EventDraft timedOut() {
    return seq ->
        new RunEvent.RunTimedOut(
            id(), now(), SCHEMA_VERSION, tenantId, runId, agentId, seq, "timeout");
  }

  private static String summary(String result) {
    if (result == null || result.length() <= SUMMARY_LENGTH) {
      return result;
    }
    return result.substring(0, SUMMARY_LENGTH) + "…";
  }

  private static UUID id() {
    return UUID.randomUUID();
  }

  private static Instant now() {
    return Instant.now();
  }
}
