package dev.agentplane.execution.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Between this service's model seam and LangChain4j's chat types, in both directions. */
final class OpenAiTranslation {

  private OpenAiTranslation() {}

  /** The request as LangChain4j sends it: messages, tools as functions, model and sampling. */
  static ChatRequest chatRequest(ModelRequest request) {
    ModelSettings settings = request.settings();
    ChatRequest.Builder chat =
        ChatRequest.builder()
            .messages(messages(request.messages()))
            .modelName(settings.name())
            .temperature(settings.temperature())
            .maxOutputTokens(settings.maxTokens());
    // Some compatible servers refuse an empty "tools" array, so none is sent without tools.
    if (!request.tools().isEmpty()) {
      chat.toolSpecifications(request.tools().stream().map(OpenAiTranslation::function).toList());
    }
    return chat.build();
  }

  static List<dev.langchain4j.data.message.ChatMessage> messages(List<ChatMessage> conversation) {
    List<dev.langchain4j.data.message.ChatMessage> messages = new ArrayList<>(conversation.size());
    for (ChatMessage message : conversation) {
      String content = message.content();
      switch (message.role()) {
        // LangChain4j refuses blank system and user texts; they would tell the model nothing.
        case SYSTEM -> {
          if (content != null && !content.isBlank()) {
            messages.add(SystemMessage.from(content));
          }
        }
        case USER -> {
          if (content != null && !content.isBlank()) {
            messages.add(UserMessage.from(content));
          }
        }
        case ASSISTANT ->
            messages.add(
                AiMessage.builder()
                    .text(content)
                    .toolExecutionRequests(
                        message.toolCalls().stream().map(OpenAiTranslation::toolRequest).toList())
                    .build());
        case TOOL ->
            messages.add(
                ToolExecutionResultMessage.from(
                    message.toolCallId(), message.toolName(), content == null ? "" : content));
      }
    }
    return messages;
  }

  private static ToolExecutionRequest toolRequest(ToolCall call) {
    return ToolExecutionRequest.builder()
        .id(call.id())
        .name(call.name())
        .arguments(call.arguments())
        .build();
  }

  /**
   * A tool as an OpenAI function. Each property's schema travels as written (raw), so keywords
   * LangChain4j's schema types do not model ({@code format}, {@code pattern}, {@code oneOf}, ...)
   * still reach the model.
   */
  static ToolSpecification function(ToolDefinition tool) {
    return ToolSpecification.builder()
        .name(tool.name())
        .description(tool.description())
        .parameters(objectSchema(tool.inputSchema()))
        .build();
  }

  private static JsonObjectSchema objectSchema(JsonNode schema) {
    JsonObjectSchema.Builder object = JsonObjectSchema.builder();
    if (schema == null || !schema.isObject()) {
      return object.build();
    }
    JsonNode description = schema.get("description");
    if (description != null && description.isTextual()) {
      object.description(description.textValue());
    }
    object.addProperties(rawSchemas(schema.get("properties")));
    JsonNode required = schema.get("required");
    if (required != null && required.isArray()) {
      List<String> names = new ArrayList<>(required.size());
      required.forEach(name -> names.add(name.asText()));
      object.required(names);
    }
    JsonNode additionalProperties = schema.get("additionalProperties");
    if (additionalProperties != null && additionalProperties.isBoolean()) {
      object.additionalProperties(additionalProperties.booleanValue());
    }
    // LangChain4j writes definitions as "$defs", so only "$defs" references stay valid.
    JsonNode definitions = schema.get("$defs");
    if (definitions != null && definitions.isObject()) {
      object.definitions(rawSchemas(definitions));
    }
    return object.build();
  }

  private static Map<String, JsonSchemaElement> rawSchemas(JsonNode schemasByName) {
    Map<String, JsonSchemaElement> raw = new LinkedHashMap<>();
    if (schemasByName != null && schemasByName.isObject()) {
      for (Map.Entry<String, JsonNode> entry : schemasByName.properties()) {
        raw.put(entry.getKey(), JsonRawSchema.from(entry.getValue().toString()));
      }
    }
    return raw;
  }

  /** The reply as the run records it; tool calls keep the argument text exactly as streamed. */
  static ModelReply reply(ChatResponse response) {
    AiMessage message = response.aiMessage();
    List<ToolCall> toolCalls =
        message.hasToolExecutionRequests()
            ? message.toolExecutionRequests().stream()
                .map(call -> new ToolCall(call.id(), call.name(), call.arguments()))
                .toList()
            : List.of();
    dev.langchain4j.model.output.TokenUsage usage = response.tokenUsage();
    TokenUsage tokens =
        usage == null
            ? TokenUsage.NONE
            : new TokenUsage(orZero(usage.inputTokenCount()), orZero(usage.outputTokenCount()));
    return new ModelReply(
        message.text(), toolCalls, tokens, finishReason(response.finishReason(), toolCalls));
  }

  /** OpenAI's own words for why the reply ended. */
  private static String finishReason(FinishReason reason, List<ToolCall> toolCalls) {
    if (reason == null) {
      return toolCalls.isEmpty() ? "stop" : "tool_calls";
    }
    return switch (reason) {
      case STOP -> "stop";
      case LENGTH -> "length";
      case TOOL_EXECUTION -> "tool_calls";
      case CONTENT_FILTER -> "content_filter";
      case OTHER -> "other";
    };
  }

  private static long orZero(Integer count) {
    return count == null ? 0 : count;
  }
}
