package dev.agentplane.registry.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON literals for tests, written with single quotes so they read without escapes. */
final class Json {

  static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_SINGLE_QUOTES).build();

  private Json() {}

  static JsonNode json(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("bad test JSON: " + text, e);
    }
  }

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static ArrayNode array() {
    return MAPPER.createArrayNode();
  }

  /** Sets the member at {@code pointer}, creating objects on the way; the value as given. */
  static void set(ObjectNode root, String pointer, JsonNode value) {
    SpecPointer path = SpecPointer.parse(pointer);
    JsonNode parent = root;
    for (int i = 0; i < path.tokens().size() - 1; i++) {
      String token = path.tokens().get(i);
      JsonNode next = parent.isArray() ? parent.get(Integer.parseInt(token)) : parent.get(token);
      if (next == null || !next.isContainerNode()) {
        next = object();
        ((ObjectNode) parent).set(token, next);
      }
      parent = next;
    }
    String last = path.tokens().getLast();
    if (parent.isArray()) {
      ((ArrayNode) parent).set(Integer.parseInt(last), value);
    } else {
      ((ObjectNode) parent).set(last, value);
    }
  }

  static void remove(ObjectNode root, String pointer) {
    JsonNode parent = root.at(pointer.substring(0, pointer.lastIndexOf('/')));
    String last = SpecPointer.parse(pointer).tokens().getLast();
    if (parent.isArray()) {
      ((ArrayNode) parent).remove(Integer.parseInt(last));
    } else if (parent.isObject()) {
      ((ObjectNode) parent).remove(last);
    }
  }

  static JsonNode value(Object value) {
    return value instanceof JsonNode node ? node : MAPPER.valueToTree(value);
  }
}
