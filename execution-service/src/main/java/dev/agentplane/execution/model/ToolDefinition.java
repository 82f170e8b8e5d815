package dev.agentplane.execution.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool as a model is told about it (OpenAI's function format).
 *
 * @param inputSchema the tool's JSON Schema for its arguments (an object schema)
 */
public record ToolDefinition(String name, String description, JsonNode inputSchema) {}
