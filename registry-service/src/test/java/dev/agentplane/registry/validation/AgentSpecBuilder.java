package dev.agentplane.registry.validation;

import static dev.agentplane.registry.validation.Json.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Agent specs for tests, valid until told otherwise: {@code
 * anAgent().orchestrator().usingTool("ask-researcher", "active").build()}. The default is an
 * assistant on the builtin echo model with instructions and no tools.
 */
final class AgentSpecBuilder {

  private final ObjectNode spec;

  private AgentSpecBuilder(ObjectNode spec) {
    this.spec = spec;
  }

  static AgentSpecBuilder anAgent() {
    return new AgentSpecBuilder(
        (ObjectNode)
            json(
                """
                {
                  'description': 'Answers questions about the weather',
                  'kind': 'assistant',
                  'model': {'provider': 'builtin', 'name': 'echo'},
                  'instructions': 'You answer weather questions using the weather tool.',
                  'tools': []
                }
                """));
  }

  AgentSpecBuilder orchestrator() {
    return set("/kind", "orchestrator");
  }

  AgentSpecBuilder usingTool(String name, Object version) {
    ObjectNode reference = Json.object().put("name", name);
    reference.set("version", Json.value(version));
    ((ArrayNode) spec.get("tools")).add(reference);
    return this;
  }

  AgentSpecBuilder openai() {
    return set("/model", json("{'provider': 'openai', 'name': 'gpt-4o-mini'}"));
  }

  /** The builtin scripted model playing {@code script}, as given (valid or not). */
  AgentSpecBuilder scripted(Object script) {
    set("/model/name", "scripted");
    return set("/model/params/script", script);
  }

  AgentSpecBuilder policy(String member, Object value) {
    return set("/policy/" + member, value);
  }

  AgentSpecBuilder toolApproval(String toolName, Object approval) {
    return set("/policy/toolApproval/" + toolName.replace("~", "~0").replace("/", "~1"), approval);
  }

  /** Sets any member by JSON pointer, e.g. {@code set("/model/temperature", 3)}. */
  AgentSpecBuilder set(String pointer, Object value) {
    Json.set(spec, pointer, Json.value(value));
    return this;
  }

  AgentSpecBuilder without(String pointer) {
    Json.remove(spec, pointer);
    return this;
  }

  JsonNode build() {
    return spec.deepCopy();
  }
}
