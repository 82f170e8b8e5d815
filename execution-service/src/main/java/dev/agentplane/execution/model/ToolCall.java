package dev.agentplane.execution.model;

/**
 * A tool call a model asked for.
 *
 * @param id the model's id of the call (OpenAI's {@code tool_call_id}); with the run id, the call's
 *     idempotency key
 * @param arguments the arguments exactly as the model produced them: JSON text that may be invalid
 *     or empty, which the loop reports back to the model as a tool error rather than crashing
 */
public record ToolCall(String id, String name, String arguments) {}
