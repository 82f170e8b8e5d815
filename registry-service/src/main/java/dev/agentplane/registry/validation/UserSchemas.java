package dev.agentplane.registry.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import dev.agentplane.kit.json.TenantSchemas;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Checks the JSON Schemas users put in specs (input, output and approval schemas): valid against
 * the draft 2020-12 meta-schema that networknt ships, self-contained, and compilable.
 */
final class UserSchemas {

  // Keywords whose values are data, not schemas: a "$ref" inside an example is just text.
  private static final Set<String> DATA_KEYWORDS = Set.of("const", "enum", "default", "examples");

  private static final class Compiled {
    static final JsonSchema META_SCHEMA = TenantSchemas.metaSchema();
  }

  private UserSchemas() {}

  static void preload() {
    Compiled.META_SCHEMA.getSchemaNode();
  }

  /** Reports what is wrong with the user schema at {@code at}; nothing when it is usable. */
  static void check(JsonNode schema, SpecPointer at, Findings findings) {
    if (schema.isBoolean()) {
      return;
    }
    if (!referencesStayLocal(schema, at, findings)) {
      return;
    }
    // A bad keyword can fail several branches of the meta-schema's anyOf; one issue per place,
    // carrying every complaint, reads better than a list of near-duplicates.
    Map<SpecPointer, Set<String>> complaints = new LinkedHashMap<>();
    for (ValidationMessage message : Compiled.META_SCHEMA.validate(schema)) {
      complaints
          .computeIfAbsent(
              at.append(SpecShape.pointerOf(message.getInstanceLocation())),
              unused -> new LinkedHashSet<>())
          .add(SpecShape.messageText(message));
    }
    complaints.forEach(
        (pointer, messages) ->
            findings.add(
                ValidationCode.SCHEMA_INVALID,
                pointer,
                "not a valid JSON Schema 2020-12: " + String.join("; or ", messages)));
    if (!complaints.isEmpty()) {
      return;
    }
    try {
      TenantSchemas.of(schema).initializeValidators();
    } catch (RuntimeException e) {
      // networknt reports what it cannot build (an unresolvable "$ref", a bad regex) by throwing.
      findings.add(
          ValidationCode.SCHEMA_INVALID,
          at,
          "the schema does not compile: "
              + TemplateText.abbreviated(
                  String.valueOf(e.getMessage()).replaceFirst("^[:\\s]+", "")));
    }
  }

  /**
   * Every {@code $ref} and {@code $dynamicRef} points into the schema itself, and {@code $schema},
   * if given, names draft 2020-12; reports each that does not.
   */
  private static boolean referencesStayLocal(JsonNode schema, SpecPointer at, Findings findings) {
    boolean local = true;
    record Visit(JsonNode node, SpecPointer pointer) {}
    Deque<Visit> pending = new ArrayDeque<>();
    pending.push(new Visit(schema, at));
    while (!pending.isEmpty()) {
      Visit visit = pending.pop();
      if (visit.node.isArray()) {
        for (int i = 0; i < visit.node.size(); i++) {
          pending.push(new Visit(visit.node.get(i), visit.pointer.child(i)));
        }
        continue;
      }
      if (!visit.node.isObject()) {
        continue;
      }
      for (Iterator<Map.Entry<String, JsonNode>> members = visit.node.fields();
          members.hasNext(); ) {
        Map.Entry<String, JsonNode> member = members.next();
        String keyword = member.getKey();
        JsonNode value = member.getValue();
        SpecPointer pointer = visit.pointer.child(keyword);
        if ((keyword.equals("$ref") || keyword.equals("$dynamicRef"))
            && value.isTextual()
            && !value.textValue().startsWith("#")) {
          local = false;
          findings.add(
              ValidationCode.SCHEMA_EXTERNAL_REFERENCE,
              pointer,
              "'"
                  + TemplateText.abbreviated(value.textValue())
                  + "' points outside this schema; only local references ('#...') are allowed");
        } else if (keyword.equals("$schema")
            && value.isTextual()
            && !value.textValue().equals(TenantSchemas.DRAFT_2020_12)
            && !value.textValue().equals(TenantSchemas.DRAFT_2020_12 + "#")) {
          local = false;
          findings.add(
              ValidationCode.SCHEMA_INVALID,
              pointer,
              "'"
                  + TemplateText.abbreviated(value.textValue())
                  + "' is not draft 2020-12; omit $schema or use "
                  + TenantSchemas.DRAFT_2020_12);
        } else if (value.isContainerNode() && !DATA_KEYWORDS.contains(keyword)) {
          pending.push(new Visit(value, pointer));
        }
      }
    }
    return local;
  }
}
