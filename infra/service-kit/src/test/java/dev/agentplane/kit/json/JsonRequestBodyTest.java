package dev.agentplane.kit.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.ProblemType;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Strict request bodies: every refusal is a 400 naming the field by JSON pointer, and code. */
class JsonRequestBodyTest {

  private static final Set<String> FIELDS = Set.of("name", "flag", "tags", "count", "inner");

  private static BadRequestException refusal(Runnable read) {
    BadRequestException refusal = catchThrowableOfType(BadRequestException.class, read::run);
    assertThat(refusal).as("a 400").isNotNull();
    return refusal;
  }

  private static BadRequestException refusal(String raw, Consumer<JsonRequestBody> read) {
    return refusal(() -> read.accept(JsonRequestBody.parse(raw, FIELDS)));
  }

  private static List<String> pointers(BadRequestException refusal) {
    return refusal.errors().stream().map(FieldError::pointer).toList();
  }

  private static List<String> codes(BadRequestException refusal) {
    return refusal.errors().stream().map(FieldError::code).toList();
  }

  @Test
  void unknownFieldsAreAllNamedInOneRefusal() {
    BadRequestException refusal =
        refusal(() -> JsonRequestBody.parse("{\"name\": \"a\", \"x\": 1, \"y\": 2}", FIELDS));

    assertThat(pointers(refusal)).containsExactlyInAnyOrder("/x", "/y");
    assertThat(codes(refusal)).containsOnly("unknown_property");
    assertThat(refusal.errors().get(0).message())
        .contains("allowed: [count, flag, inner, name, tags]");
  }

  @Test
  void serverOwnedFieldsAreRefusedAsSuchAndUnknownOnesAsUnknown() {
    BadRequestException refusal =
        refusal(
            () ->
                JsonRequestBody.parseNonEmpty(
                    "{\"id\": \"x\", \"bogus\": 1, \"name\": \"a\"}", FIELDS, Set.of("id")));

    assertThat(refusal.errors())
        .extracting(FieldError::pointer, FieldError::code)
        .containsExactlyInAnyOrder(
            tuple("/id", "server_owned"), tuple("/bogus", "unknown_property"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"name\": \"a\", \"name\": \"b\"}",
        "{\"inner\": {\"name\": \"a\", \"name\": \"b\"}}",
        "{\"name\": \"a\"} trailing",
        "{\"name\": \"a\"} {}",
        "{\"name\": ",
        "{'name': 'a'}",
        "{\"name\": \"a\",}"
      })
  void duplicateFieldsTrailingTokensAndBrokenJsonAreMalformed(String raw) {
    BadRequestException refusal = refusal(() -> JsonRequestBody.parse(raw, FIELDS));

    assertThat(refusal.type()).isEqualTo(ProblemType.MALFORMED_REQUEST);
    assertThat(pointers(refusal)).containsExactly("");
    assertThat(codes(refusal)).containsExactly("malformed_json");
    assertThat(refusal.getMessage()).startsWith("The body is not valid JSON (line 1, column ");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"name\": \"sk_live_SECRET\", \"name\": \"sk_live_SECRET\"}",
        "{\"name\": sk_live_SECRET}",
        "{\"name\": \"sk_live_SECRET\"} sk_live_SECRET",
        "{\"name\": \"sk_live_SECRET"
      })
  void theParsersMessageNeverEchoesTheInput(String raw) {
    BadRequestException refusal = refusal(() -> JsonRequestBody.parse(raw, FIELDS));

    assertThat(refusal.getMessage()).doesNotContain("SECRET").doesNotContain("name");
    assertThat(refusal.errors())
        .allSatisfy(error -> assertThat(error.message()).doesNotContain("SECRET"));
    assertThat(refusal.getCause()).isNull();
  }

  @ParameterizedTest
  @ValueSource(ints = {JsonRequestBody.MAX_DEPTH + 1, 999, 10_000})
  void aBodyNestedDeeperThanTheLimitIsMalformed(int depth) {
    String raw = "{\"inner\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";

    BadRequestException refusal = refusal(() -> JsonRequestBody.parse(raw, FIELDS));

    assertThat(refusal.type()).isEqualTo(ProblemType.MALFORMED_REQUEST);
    assertThat(refusal.errors())
        .extracting(FieldError::pointer, FieldError::code)
        .containsExactly(tuple("", "too_deep"));
  }

  @Test
  void aBodyNestedToTheLimitIsRead() {
    int depth = JsonRequestBody.MAX_DEPTH;
    String raw = "{\"inner\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";

    assertThat(JsonRequestBody.parse(raw, FIELDS).optionalJson("inner").isArray()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "\"a\"", "42", "null", "true"})
  void aBodyThatIsNotAnObjectIsRefused(String raw) {
    BadRequestException refusal = refusal(() -> JsonRequestBody.parse(raw, FIELDS));

    assertThat(refusal.type()).isEqualTo(ProblemType.INVALID_REQUEST);
    assertThat(pointers(refusal)).containsExactly("");
    assertThat(codes(refusal)).containsExactly("not_an_object");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  "})
  void anEmptyBodyIsAnEmptyObjectUnlessOneIsRequired(String raw) {
    assertThat(JsonRequestBody.parse(raw, FIELDS).optionalText("name")).isNull();
    assertThat(JsonRequestBody.parse(null, FIELDS).present("name")).isFalse();

    BadRequestException refusal = refusal(() -> JsonRequestBody.parseNonEmpty(raw, FIELDS));
    assertThat(codes(refusal)).containsExactly("not_an_object");
    assertThat(codes(refusal(() -> JsonRequestBody.parseNonEmpty(null, FIELDS))))
        .containsExactly("not_an_object");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"name\": 7}          | text",
        "{\"name\": true}       | string",
        "{\"name\": [\"a\"]}    | optionalText",
        "{\"name\": {}}         | optionalString",
        "{\"flag\": \"true\"}   | bool",
        "{\"flag\": 1}          | optionalBoolean",
        "{\"count\": 1.5}       | optionalInt",
        "{\"count\": \"1\"}     | optionalPositiveInt",
        "{\"count\": 0}         | optionalPositiveInt",
        "{\"count\": -3}        | optionalPositiveInt",
        "{\"count\": 3000000000}| optionalPositiveInt",
        "{\"tags\": \"a\"}      | strings",
        "{\"tags\": {}}         | optionalStrings",
        "{\"inner\": []}        | optionalObject",
        "{\"inner\": \"a\"}     | optionalJsonObject"
      })
  void aFieldOfTheWrongTypeIsNamed(String raw, String reader) {
    String field = raw.substring(raw.indexOf('"') + 1, raw.indexOf('"', raw.indexOf('"') + 1));

    BadRequestException refusal = refusal(raw, body -> read(body, reader, field));

    assertThat(pointers(refusal)).containsExactly("/" + field);
    assertThat(codes(refusal)).containsExactly("wrong_type");
    assertThat(refusal.getMessage()).startsWith(field + " must be ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"text", "string", "bool", "strings", "object"})
  void aRequiredFieldThatIsAbsentOrNullIsNamed(String reader) {
    for (String raw : List.of("{}", "{\"name\": null, \"flag\": null, \"tags\": null}")) {
      for (String field : List.of("name", "flag", "tags", "inner")) {
        BadRequestException refusal = refusal(raw, body -> read(body, reader, field));

        assertThat(pointers(refusal)).containsExactly("/" + field);
        assertThat(codes(refusal)).containsExactly("required");
      }
    }
  }

  @Test
  void optionalReadersAnswerNullForAbsentAndNullFields() {
    JsonRequestBody body = JsonRequestBody.parse("{\"name\": null}", FIELDS);

    assertThat(body.present("name")).isTrue();
    assertThat(body.present("flag")).isFalse();
    assertThat(body.optionalText("name")).isNull();
    assertThat(body.optionalString("name")).isNull();
    assertThat(body.optionalBoolean("flag")).isNull();
    assertThat(body.optionalPositiveInt("count")).isNull();
    assertThat(body.optionalStrings("tags")).isNull();
    assertThat(body.optionalObject("inner", Set.of())).isNull();
    assertThat(body.optionalJson("name")).isNull();
  }

  @Test
  void textFoldsBlankToAbsentWhileStringKeepsItAsSent() {
    JsonRequestBody body =
        JsonRequestBody.parse("{\"name\": \"  \", \"tags\": [\"\", \" a\"]}", FIELDS);

    assertThat(body.optionalText("name")).isNull();
    assertThat(codes(refusal(() -> body.text("name")))).containsExactly("required");
    assertThat(body.optionalString("name")).isEqualTo("  ");
    assertThat(body.string("name")).isEqualTo("  ");
    assertThat(body.strings("tags")).containsExactly("", " a");
  }

  @Test
  void wellTypedValuesAreRead() {
    JsonRequestBody body =
        JsonRequestBody.parse(
            "{\"name\": \"a\", \"flag\": false, \"tags\": [], \"count\": 2147483647}", FIELDS);

    assertThat(body.text("name")).isEqualTo("a");
    assertThat(body.bool("flag")).isFalse();
    assertThat(body.strings("tags")).isEmpty();
    assertThat(body.optionalPositiveInt("count")).isEqualTo(Integer.MAX_VALUE);
    assertThat(body.optionalInt("count")).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void nestedObjectsAreAsStrictAndNamedByTheirFullPointer() {
    String raw = "{\"inner\": {\"name\": \"a\", \"deep\": {\"tags\": [\"a\", 7]}, \"x\": 1}}";

    BadRequestException unknown =
        refusal(raw, body -> body.object("inner", Set.of("name", "deep")));
    assertThat(pointers(unknown)).containsExactly("/inner/x");
    assertThat(codes(unknown)).containsExactly("unknown_property");

    JsonRequestBody inner =
        JsonRequestBody.parse(raw, FIELDS).object("inner", Set.of("name", "deep", "x"));
    JsonRequestBody deep = inner.object("deep", Set.of("tags"));
    BadRequestException element = refusal(() -> deep.strings("tags"));
    assertThat(pointers(element)).containsExactly("/inner/deep/tags/1");
    assertThat(codes(element)).containsExactly("wrong_type");
    assertThat(pointers(refusal(() -> inner.text("missing")))).containsExactly("/inner/missing");
    assertThat(pointers(refusal(() -> inner.optionalPositiveInt("name"))))
        .containsExactly("/inner/name");
    assertThat(pointers(inner.bad("name", "invalid_value", "no"))).containsExactly("/inner/name");
  }

  @Test
  void anArrayElementOfTheWrongTypeIsNamedByIndex() {
    BadRequestException refusal =
        refusal("{\"tags\": [\"a\", \"b\", null]}", body -> body.strings("tags"));

    assertThat(pointers(refusal)).containsExactly("/tags/2");
    assertThat(codes(refusal)).containsExactly("wrong_type");
  }

  private static void read(JsonRequestBody body, String reader, String field) {
    switch (reader) {
      case "text" -> body.text(field);
      case "string" -> body.string(field);
      case "optionalText" -> body.optionalText(field);
      case "optionalString" -> body.optionalString(field);
      case "bool" -> body.bool(field);
      case "optionalBoolean" -> body.optionalBoolean(field);
      case "optionalInt" -> body.optionalInt(field);
      case "optionalPositiveInt" -> body.optionalPositiveInt(field);
      case "strings" -> body.strings(field);
      case "optionalStrings" -> body.optionalStrings(field);
      case "object" -> body.object(field, Set.of());
      case "optionalObject" -> body.optionalObject(field, Set.of());
      case "optionalJsonObject" -> body.optionalJsonObject(field);
      default -> throw new IllegalArgumentException(reader);
    }
  }
}
