package dev.agentplane.execution.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.UUID;

/**
 * One model call of a run.
 *
 * @param step the run's step number of this call
 * @param messages the conversation so far: system instructions, the user input, then assistant
 *     turns and tool results in order
 * @param tools the tools the model may call, empty when it may call none
 * @param input the run's input as given, for models that derive tool arguments from it
 */
public record ModelRequest(
    String tenantId,
    UUID runId,
    int step,
    ModelSettings settings,
    List<ChatMessage> messages,
    List<ToolDefinition> tools,
    JsonNode input) {

  public ModelRequest {
    messages = List.copyOf(messages);
    tools = List.copyOf(tools);
  }
}
