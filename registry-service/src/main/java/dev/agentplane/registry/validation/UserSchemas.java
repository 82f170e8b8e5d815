package dev.agentplane.registry.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.AnnotationKeyword;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.AllowSchemaLoader;
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

  private static final String DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

  // Keywords whose values are data, not schemas: a "$ref" inside an example is just text.
  private static final Set<String> DATA_KEYWORDS = Set.of("const", "enum", "default", "examples");

  private static final class Compiled {
    // Loads only from the classpath (where the meta-schemas are): a user's "$ref" or "$schema"
    // must never make the registry fetch a URL, which would be SSRF by another door.
    static final JsonSchemaFactory FACTORY =
        JsonSchemaFactory.getInstance(
            SpecVersion.VersionFlag.V202012,
            builder ->
                builder
                    // Unknown keywords are annotations (2020-12 §6.5), not worth a WARN log line
                    // per tenant schema, which would let tenants fill the service's logs.
                    .metaSchema(
                        JsonMetaSchema.builder(JsonMetaSchema.getV202012())
                            .unknownKeywordFactory(
                                (keyword, context) -> new AnnotationKeyword(keyword))
                            .build())
                    // A cached "$id" from one tenant's schema must not resolve in another's.
                    .enableSchemaCache(false)
                    .schemaLoaders(
                        loaders ->
                            loaders.add(
                                new AllowSchemaLoader(
                                    iri -> iri.toString().startsWith("classpath:")))));

    static final SchemaValidatorsConfig CONFIG =
        SchemaValidatorsConfig.builder()
            .pathType(PathType.JSON_POINTER)
            .formatAssertionsEnabled(true)
            .build();

    static final JsonSchema META_SCHEMA = compileMetaSchema();

    private static JsonSchema compileMetaSchema() {
      JsonSchema schema = FACTORY.getSchema(SchemaLocation.of(DRAFT_2020_12), CONFIG);
      schema.initializeValidators();
      return schema;
    }
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
      Compiled.FACTORY.getSchema(schema, Compiled.CONFIG).initializeValidators();
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
            && !value.textValue().equals(DRAFT_2020_12)
            && !value.textValue().equals(DRAFT_2020_12 + "#")) {
          local = false;
          findings.add(
              ValidationCode.SCHEMA_INVALID,
              pointer,
              "'"
                  + TemplateText.abbreviated(value.textValue())
                  + "' is not draft 2020-12; omit $schema or use "
                  + DRAFT_2020_12);
        } else if (value.isContainerNode() && !DATA_KEYWORDS.contains(keyword)) {
          pending.push(new Visit(value, pointer));
        }
      }
    }
    return local;
  }
}
