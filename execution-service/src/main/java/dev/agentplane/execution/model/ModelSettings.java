package dev.agentplane.execution.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The {@code model} block of an agent spec (registry-service README, "Spec formats").
 *
 * @param provider {@code builtin} or {@code openai}
 * @param name for builtin, {@code echo} or {@code scripted}; for openai, the model id
 * @param temperature null when the spec leaves it to the provider
 * @param maxTokens null when the spec leaves it to the provider
 * @param baseUrl openai only: the Chat Completions API's base URL
 * @param apiKeySecret openai only: the tenant secret holding the API key
 * @param params provider-specific parameters, e.g. the scripted model's {@code script}; null when
 *     absent
 */
public record ModelSettings(
    String provider,
    String name,
    Double temperature,
    Integer maxTokens,
    String baseUrl,
    String apiKeySecret,
    JsonNode params) {}
