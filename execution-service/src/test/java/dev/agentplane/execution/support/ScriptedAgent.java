package dev.agentplane.execution.support;

import static dev.agentplane.testkit.SpecJson.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.testkit.ServiceApi;

/**
 * Builds the spec of an agent on the builtin {@code scripted} model: its turns, the tools it may
 * call (active versions), and optionally its policy and output schema. JSON is written with single
 * quotes, as {@link SpecJson} reads it.
 */
public final class ScriptedAgent {

  private final ArrayNode script = ServiceApi.JSON.createArrayNode();
  private final ArrayNode tools = ServiceApi.JSON.createArrayNode();
  private JsonNode policy;
  private JsonNode outputSchema;
  private String kind = "assistant";

  private ScriptedAgent() {}

  public static ScriptedAgent aScriptedAgent() {
    return new ScriptedAgent();
  }

  /** A turn asking for one call of {@code tool} with these arguments (a JSON object). */
  public ScriptedAgent calls(String tool, String arguments) {
    ObjectNode call = ServiceApi.JSON.createObjectNode().put("tool", tool);
    call.set("arguments", json(arguments));
    ObjectNode turn = ServiceApi.JSON.createObjectNode();
    turn.putArray("toolCalls").add(call);
    script.add(turn);
    return this;
  }

  /**
   * A turn asking for several calls at once, as a model's parallel tool calls: {@code tool,
   * arguments} pairs, in order.
   */
  public ScriptedAgent callsAtOnce(String... toolsAndArguments) {
    ObjectNode turn = ServiceApi.JSON.createObjectNode();
    ArrayNode calls = turn.putArray("toolCalls");
    for (int i = 0; i + 1 < toolsAndArguments.length; i += 2) {
      calls
          .addObject()
          .put("tool", toolsAndArguments[i])
          .set("arguments", json(toolsAndArguments[i + 1]));
    }
    script.add(turn);
    return this;
  }

  /** A turn answering with this JSON value (a JSON string: {@code "'text'"}). */
  public ScriptedAgent answers(String answer) {
    ObjectNode turn = ServiceApi.JSON.createObjectNode();
    turn.set("answer", json(answer));
    script.add(turn);
    return this;
  }

  /** The agent may call these tools, each in its active version. */
  public ScriptedAgent tools(String... names) {
    for (String name : names) {
      tools.addObject().put("name", name).put("version", "active");
    }
    return this;
  }

  /** {@code orchestrator} for an agent that may call agent-typed tools (default: assistant). */
  public ScriptedAgent kind(String kind) {
    this.kind = kind;
    return this;
  }

  public ScriptedAgent policy(String singleQuoted) {
    this.policy = json(singleQuoted);
    return this;
  }

  public ScriptedAgent outputSchema(String singleQuoted) {
    this.outputSchema = json(singleQuoted);
    return this;
  }

  public JsonNode build() {
    ObjectNode spec =
        ServiceApi.JSON
            .createObjectNode()
            .put("description", "A scripted agent of a test")
            .put("kind", kind)
            .put("instructions", "Follow the script.");
    ObjectNode model = spec.putObject("model").put("provider", "builtin").put("name", "scripted");
    model.putObject("params").set("script", script.deepCopy());
    spec.set("tools", tools.deepCopy());
    if (policy != null) {
      spec.set("policy", policy);
    }
    if (outputSchema != null) {
      spec.set("outputSchema", outputSchema);
    }
    return spec;
  }
}
