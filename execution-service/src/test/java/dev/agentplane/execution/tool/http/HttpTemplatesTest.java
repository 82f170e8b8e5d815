package dev.agentplane.execution.tool.http;

import static dev.agentplane.execution.tool.Invocations.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.agentplane.execution.tool.ToolFailure;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** How an HTTP tool's URL, headers and body are filled from arguments. */
class HttpTemplatesTest {

  @Nested
  class Url {

    @Test
    void encodesEachValueForThePartItFills() {
      JsonNode arguments =
          JsonNodeFactory.instance
              .objectNode()
              .put("id", "a/b c?d#e")
              .put("q", "x&y=z+1 ü")
              .put("n", 7);
      assertThat(
              UrlTemplate.fill("https://api.example/items/{id}/v{n}?q={q}&n={n}", arguments)
                  .toString())
          .isEqualTo("https://api.example/items/a%2Fb%20c%3Fd%23e/v7?q=x%26y%3Dz%2B1%20%C3%BC&n=7");
    }

    @Test
    void anAbsentOptionalParameterFillsNothing() {
      assertThat(
              UrlTemplate.fill("https://api.example/s?q={q}&page={page}", json("{'q': 'a'}"))
                  .toString())
          .isEqualTo("https://api.example/s?q=a&page=");
    }

    @Test
    void refusesValuesThatMakeADotSegment() {
      for (String value : new String[] {"..", "."}) {
        ToolFailure failure =
            catchThrowableOfType(
                ToolFailure.class,
                () ->
                    UrlTemplate.fill(
                        "https://api.example/files/{name}/raw",
                        JsonNodeFactory.instance.objectNode().put("name", value)));
        assertThat(failure.code()).isEqualTo("invalid_arguments");
      }
      assertThat(
              UrlTemplate.fill("https://api.example/files/{name}.txt", json("{'name': '..'}"))
                  .toString())
          .isEqualTo("https://api.example/files/...txt");
    }

    @Test
    void refusesAPlaceholderInTheHost() {
      ToolFailure failure =
          catchThrowableOfType(
              ToolFailure.class,
              () -> UrlTemplate.fill("https://{tenant}.api.example/x", json("{'tenant': 'a'}")));
      assertThat(failure.code()).isEqualTo("invalid_tool_spec");
    }
  }

  @Nested
  class Headers {

    private final HeaderTemplate.SecretSource secrets =
        name -> Map.of("API_TOKEN", "t0ken").get(name);

    @Test
    void fillsSecretsAndParameters() {
      assertThat(
              HeaderTemplate.fill(
                  "Authorization",
                  "Bearer {{secret:API_TOKEN}} for {user}",
                  json("{'user': 'ana'}"),
                  secrets))
          .isEqualTo("Bearer t0ken for ana");
    }

    @Test
    void anArgumentIsNeverReadAsASecretReference() {
      assertThat(
              HeaderTemplate.fill(
                  "X-Note", "{note}", json("{'note': '{{secret:API_TOKEN}}'}"), secrets))
          .isEqualTo("{{secret:API_TOKEN}}");
    }

    @Test
    void refusesAnArgumentThatWouldEndTheHeader() {
      ToolFailure failure =
          catchThrowableOfType(
              ToolFailure.class,
              () ->
                  HeaderTemplate.fill(
                      "X-User",
                      "{user}",
                      JsonNodeFactory.instance.objectNode().put("user", "ana\r\nX-Admin: true"),
                      secrets));
      assertThat(failure.code()).isEqualTo("invalid_arguments");
    }
  }

  @Nested
  class Body {

    @Test
    void jsonValuesKeepTheBodysStructure() {
      JsonNode arguments =
          JsonNodeFactory.instance
              .objectNode()
              .put("name", "Ana\", \"admin\": true, \"x\": \"")
              .put("age", 41)
              .set("tags", json("['a', 'b']"));
      BodyTemplate.FilledBody body =
          BodyTemplate.fill(
              "{\"name\": \"{name}\", \"age\": {age}, \"tags\": {tags}, \"note\": {missing}}",
              Optional.empty(),
              arguments);
      assertThat(body.text())
          .isEqualTo(
              "{\"name\": \"Ana\\\", \\\"admin\\\": true, \\\"x\\\": \\\"\", \"age\": 41,"
                  + " \"tags\": [\"a\",\"b\"], \"note\": null}");
      assertThat(body.contentTypeToAdd()).contains("application/json");
    }

    @Test
    void aNonStringValueInsideAJsonStringIsWrittenAsText() {
      assertThat(
              BodyTemplate.fill(
                      "{\"summary\": \"{n} items: {items}\"}",
                      Optional.of("application/json"),
                      json("{'n': 2, 'items': ['a']}"))
                  .text())
          .isEqualTo("{\"summary\": \"2 items: [\\\"a\\\"]\"}");
    }

    @Test
    void formValuesAreFormEncoded() {
      BodyTemplate.FilledBody body =
          BodyTemplate.fill(
              "q={q}&lang=en",
              Optional.of("application/x-www-form-urlencoded"),
              json("{'q': 'a&b=c d'}"));
      assertThat(body.text()).isEqualTo("q=a%26b%3Dc+d&lang=en");
      assertThat(body.contentTypeToAdd()).isEmpty();
    }

    @Test
    void otherBodiesGetTheTextAsItIs() {
      assertThat(
              BodyTemplate.fill("Hello {name}!", Optional.empty(), json("{'name': 'Ana'}")).text())
          .isEqualTo("Hello Ana!");
    }
  }
}
