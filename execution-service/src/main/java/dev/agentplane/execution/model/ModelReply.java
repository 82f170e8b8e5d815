package dev.agentplane.execution.model;

import java.util.List;

/**
 * What a model call returned.
 *
 * @param content the text, null when the model only asked for tools
 * @param toolCalls the tool calls asked for, in order; empty for a final answer
 * @param finishReason the provider's reason, e.g. {@code stop}, {@code tool_calls}, {@code length}
 */
public record ModelReply(
    String content, List<ToolCall> toolCalls, TokenUsage usage, String finishReason) {

  public ModelReply {
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    usage = usage == null ? TokenUsage.NONE : usage;
  }

  public boolean isFinalAnswer() {
    return toolCalls.isEmpty();
  }
}
