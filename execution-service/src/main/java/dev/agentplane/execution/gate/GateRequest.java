package dev.agentplane.execution.gate;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool call the gate stopped, as the approver will see it.
 *
 * @param inputSchema the tool's input schema, against which an approver's edits are checked
 * @param risk the tool's risk level ({@code low}, {@code medium}, {@code high})
 * @param reason what the model said in the turn that asked for the call; null if nothing
 * @param step the step that will make the call once it is decided
 */
public record GateRequest(
    String toolCallId,
    String toolName,
    JsonNode arguments,
    JsonNode inputSchema,
    String risk,
    String reason,
    int step) {}
