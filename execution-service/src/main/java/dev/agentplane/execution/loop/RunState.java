package dev.agentplane.execution.loop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.agentplane.execution.model.ChatMessage;
import dev.agentplane.execution.model.TokenUsage;
import dev.agentplane.execution.model.ToolCall;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a run needs to continue, as one checkpoint holds it: the conversation so far, the tool
 * calls asked for and not yet answered, how many steps were taken, and what they cost. Checkpoints
 * are whole states rather than deltas, so the last one alone rebuilds the run and older ones can be
 * pruned.
 *
 * @param seq the checkpoint's number in the run (0 before the first)
 * @param steps steps completed: model calls and tool calls
 * @param pendingToolCalls calls of the last model reply still to make, in order
 * @param repairUsed whether the one repair round for an invalid final output was spent
 */
public record RunState(
    int seq,
    int steps,
    List<ChatMessage> messages,
    List<ToolCall> pendingToolCalls,
    TokenUsage usage,
    long costMicros,
    boolean repairUsed) {

  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  public RunState {
    messages = List.copyOf(messages);
    pendingToolCalls = List.copyOf(pendingToolCalls);
  }

  static RunState initial(List<ChatMessage> opening) {
    return new RunState(0, 0, opening, List.of(), TokenUsage.NONE, 0, false);
  }

  /** After a model call: its reply appended, its tool calls pending, its cost added. */
  RunState afterModelCall(ChatMessage reply, List<ToolCall> toolCalls, TokenUsage used, long cost) {
    return new RunState(
        seq + 1,
        steps + 1,
        append(reply),
        toolCalls,
        usage.plus(used),
        costMicros + cost,
        repairUsed);
  }

  /**
   * After a pending tool call: its result appended with its tool call id, the call no longer
   * pending. Calls are usually answered in order; one waiting for a human lets the calls after it
   * go first.
   */
  RunState afterToolCall(String toolCallId, ChatMessage result) {
    return new RunState(
        seq + 1,
        steps + 1,
        append(result),
        pendingToolCalls.stream().filter(call -> !call.id().equals(toolCallId)).toList(),
        usage,
        costMicros,
        repairUsed);
  }

  /** A correction for the model, sent with the next model call (no step of its own). */
  RunState withRepairRequest(ChatMessage request) {
    return new RunState(seq, steps, append(request), pendingToolCalls, usage, costMicros, true);
  }

  private List<ChatMessage> append(ChatMessage message) {
    List<ChatMessage> grown = new ArrayList<>(messages.size() + 1);
    grown.addAll(messages);
    grown.add(message);
    return grown;
  }

  String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("A run state did not serialize", e);
    }
  }

  static RunState fromJson(String json) {
    try {
      return JSON.readValue(json, RunState.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("A stored checkpoint does not parse", e);
    }
  }
}
