package dev.agentplane.registry.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.Optional;

/**
 * Lenient reads of a spec's members for the rules that run after the shape check: a member of the
 * wrong type reads as absent, because the shape check has already reported it and a rule should
 * neither report it twice nor trip over it.
 */
final class SpecFields {

  private SpecFields() {}

  static boolean has(JsonNode node, String member) {
    return node != null && node.isObject() && node.has(member);
  }

  static Optional<String> text(JsonNode node, String member) {
    JsonNode value = member(node, member);
    return value != null && value.isTextual() ? Optional.of(value.textValue()) : Optional.empty();
  }

  static Optional<JsonNode> object(JsonNode node, String member) {
    JsonNode value = member(node, member);
    return value != null && value.isObject() ? Optional.of(value) : Optional.empty();
  }

  static Optional<JsonNode> array(JsonNode node, String member) {
    JsonNode value = member(node, member);
    return value != null && value.isArray() ? Optional.of(value) : Optional.empty();
  }

  static Optional<Boolean> bool(JsonNode node, String member) {
    JsonNode value = member(node, member);
    return value != null && value.isBoolean()
        ? Optional.of(value.booleanValue())
        : Optional.empty();
  }

  /** An integral number of any size (1.0 counts, as in JSON Schema); empty otherwise. */
  static Optional<BigInteger> integer(JsonNode node, String member) {
    return integer(member(node, member));
  }

  static Optional<BigInteger> integer(JsonNode value) {
    if (value == null || !value.isNumber() || !value.canConvertToExactIntegral()) {
      return Optional.empty();
    }
    return Optional.of(value.bigIntegerValue());
  }

  private static JsonNode member(JsonNode node, String member) {
    return node != null && node.isObject() ? node.get(member) : null;
  }
}
