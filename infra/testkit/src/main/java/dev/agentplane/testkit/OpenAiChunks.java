package dev.agentplane.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Chat Completions stream chunks ({@code chat.completion.chunk}) as OpenAI sends them, for fake
 * OpenAI-compatible servers on loopback: text deltas, tool calls begun and continued by index, the
 * finish reason, and the closing usage chunk (sent when the request asks for {@code
 * stream_options.include_usage}).
 */
public final class OpenAiChunks {

  private static final ObjectMapper JSON = new ObjectMapper();

  private OpenAiChunks() {}

  /** A text delta; the first of a reply also names the role. */
  public static String textChunk(String text, boolean first) {
    ObjectNode delta = JSON.createObjectNode();
    if (first) {
      delta.put("role", "assistant");
    }
    return chunk(delta.put("content", text), null).toString();
  }

  /** The first chunk of a tool call: its index, id and name, and no arguments yet. */
  public static String toolCallStart(int index, String id, String name) {
    ObjectNode call =
        JSON.createObjectNode().put("index", index).put("id", id).put("type", "function");
    call.putObject("function").put("name", name).put("arguments", "");
    ObjectNode delta = JSON.createObjectNode().put("role", "assistant").putNull("content");
    delta.putArray("tool_calls").add(call);
    return chunk(delta, null).toString();
  }

  /** A later chunk of a tool call's name: only its index and the name's next fragment. */
  public static String toolCallName(int index, String fragment) {
    ObjectNode call = JSON.createObjectNode().put("index", index);
    call.putObject("function").put("name", fragment);
    ObjectNode delta = JSON.createObjectNode();
    delta.putArray("tool_calls").add(call);
    return chunk(delta, null).toString();
  }

  /** A later chunk of a tool call: only its index and a fragment of its arguments. */
  public static String toolCallArguments(int index, String fragment) {
    ObjectNode call = JSON.createObjectNode().put("index", index);
    call.putObject("function").put("arguments", fragment);
    ObjectNode delta = JSON.createObjectNode();
    delta.putArray("tool_calls").add(call);
    return chunk(delta, null).toString();
  }

  /** The chunk that ends the choice: an empty delta and the finish reason. */
  public static String finishChunk(String reason) {
    return chunk(JSON.createObjectNode(), reason).toString();
  }

  /** The last chunk of a stream that reports usage: no choices, only the token counts. */
  public static String usageChunk(int promptTokens, int completionTokens) {
    ObjectNode chunk = envelope();
    chunk.putArray("choices");
    chunk
        .putObject("usage")
        .put("prompt_tokens", promptTokens)
        .put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens);
    return chunk.toString();
  }

  private static ObjectNode chunk(ObjectNode delta, String finishReason) {
    ObjectNode choice = JSON.createObjectNode().put("index", 0);
    choice.set("delta", delta);
    if (finishReason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finishReason);
    }
    ObjectNode chunk = envelope();
    chunk.putArray("choices").add(choice);
    return chunk;
  }

  private static ObjectNode envelope() {
    return JSON.createObjectNode()
        .put("id", "chatcmpl-1")
        .put("object", "chat.completion.chunk")
        .put("created", 1_700_000_000)
        .put("model", "gpt-test");
  }
}
