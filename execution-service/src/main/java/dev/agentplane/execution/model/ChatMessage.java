package dev.agentplane.execution.model;

import java.util.List;
import java.util.Objects;

/**
 * One message of a run's conversation: what is checkpointed, and what a model is sent. A tool
 * result names the call it answers by {@code toolCallId}, as OpenAI-compatible APIs require.
 *
 * @param content text; null for an assistant message that only asks for tools
 * @param toolCalls the calls an assistant message asks for, empty otherwise
 * @param toolCallId for a tool result, the call it answers; null otherwise
 * @param toolName for a tool result, the tool that produced it; null otherwise
 */
public record ChatMessage(
    Role role, String content, List<ToolCall> toolCalls, String toolCallId, String toolName) {

  /** Who speaks. */
  public enum Role {
    SYSTEM,
    USER,
    ASSISTANT,
    TOOL
  }

  public ChatMessage {
    Objects.requireNonNull(role, "role");
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
  }

  public static ChatMessage system(String content) {
    return new ChatMessage(Role.SYSTEM, content, List.of(), null, null);
  }

  public static ChatMessage user(String content) {
    return new ChatMessage(Role.USER, content, List.of(), null, null);
  }

  public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
    return new ChatMessage(Role.ASSISTANT, content, toolCalls, null, null);
  }

  public static ChatMessage toolResult(String toolCallId, String toolName, String content) {
    return new ChatMessage(Role.TOOL, content, List.of(), toolCallId, toolName);
  }
}
