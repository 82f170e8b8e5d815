package dev.agentplane.kit.problem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentplane.testkit.RealInfrastructure;
import dev.agentplane.testkit.TestTokens;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProblemJsonIT implements RealInfrastructure {

  private final TestTokens tokens = TestTokens.standard();
  private final String builder = tokens.user("acme", "bob", "builder");

  @Inject
  @Client("/")
  HttpClient client;

  @Inject JsonMapper json;

  @Test
  void beanValidationFailuresAre400WithAPointerPerField() throws IOException {
    JsonNode problem =
        problemOf(HttpRequest.POST("/probe/things", "{\"name\":\"\",\"tags\":[\"ok\",\"\"]}"), 400);

    assertThat(problem.get("type").getStringValue()).endsWith("/invalid-request");
    assertThat(pointers(problem)).contains("/name", "/tags/1");
    assertThat(codes(problem)).contains("not_blank");
  }

  @Test
  void anUnknownPropertyIsRefusedNotIgnored() throws IOException {
    JsonNode problem =
        problemOf(
            HttpRequest.POST(
                "/probe/things", "{\"name\":\"a\",\"tags\":[\"t\"],\"tenantId\":\"other\"}"),
            400);

    assertThat(pointers(problem)).containsExactly("/tenantId");
    assertThat(codes(problem)).containsExactly("unknown_property");
  }

  @Test
  void malformedJsonIs400() throws IOException {
    JsonNode problem = problemOf(HttpRequest.POST("/probe/things", "{\"name\": "), 400);

    assertThat(problem.get("status").getIntValue()).isEqualTo(400);
    assertThat(problem.get("type").getStringValue()).startsWith("https://agentplane.dev/problems/");
  }

  @Test
  void anInvalidQueryParameterNamesTheParameter() throws IOException {
    JsonNode problem = problemOf(HttpRequest.GET("/probe/things?limit=1000"), 400);

    assertThat(pointers(problem)).containsExactly("/limit");
  }

  @Test
  void domainExceptionsMapToTheirStatusAndStableType() throws IOException {
    JsonNode notFound = problemOf(HttpRequest.GET("/probe/things/t-1"), 404);
    assertThat(notFound.get("type").getStringValue())
        .isEqualTo("https://agentplane.dev/problems/not-found");
    assertThat(notFound.get("detail").getStringValue()).isEqualTo("Thing t-1 does not exist");

    JsonNode conflict = problemOf(HttpRequest.POST("/probe/conflict", "{}"), 409);
    assertThat(conflict.get("type").getStringValue())
        .isEqualTo("https://agentplane.dev/problems/version-immutable");
    assertThat(conflict.get("retryable").getBooleanValue()).isFalse();

    JsonNode unsigned = problemOf(HttpRequest.POST("/probe/signed", "{}").bearerAuth(builder), 401);
    assertThat(unsigned.get("type").getStringValue())
        .isEqualTo("https://agentplane.dev/problems/invalid-signature");
    assertThat(unsigned.get("detail").getStringValue()).isEqualTo("No signature matches");

    JsonNode unprocessable = problemOf(HttpRequest.POST("/probe/rules", "{}"), 422);
    assertThat(pointers(unprocessable)).containsExactly("/tools/0/name");
    assertThat(codes(unprocessable)).containsExactly("unknown_tool");
  }

  @Test
  void aMissingRoleIs403() throws IOException {
    JsonNode problem =
        problemOf(
            HttpRequest.POST("/probe/things", "{\"name\":\"a\",\"tags\":[\"t\"]}")
                .bearerAuth(tokens.user("acme", "vic", "viewer")),
            403);
    assertThat(problem.get("type").getStringValue()).endsWith("/forbidden");
  }

  @Test
  void unexpectedFailuresAre500WithoutLeakingTheirMessage() throws IOException {
    HttpClientResponseException failure = fail(HttpRequest.GET("/probe/boom"), 500);
    String body = failure.getResponse().getBody(String.class).orElseThrow();

    assertThat(body).doesNotContain("SELECT", "hunter2", "IllegalStateException", "at dev.");
    JsonNode problem = json.readValue(body, JsonNode.class);
    assertThat(problem.get("retryable").getBooleanValue()).isTrue();
    assertThat(problem.get("detail").getStringValue())
        .contains(failure.getResponse().header("X-Request-Id"));
  }

  @Test
  void unknownRoutesAndWrongMethodsAreProblemsToo() throws IOException {
    assertThat(problemOf(HttpRequest.GET("/no/such/route"), 404).get("type").getStringValue())
        .endsWith("/not-found");
    assertThat(problemOf(HttpRequest.DELETE("/probe/things"), 405).get("type").getStringValue())
        .endsWith("/method-not-allowed");
  }

  @Test
  void anOversizedBodyIs413AndAWrongMediaTypeIs415() throws IOException {
    String huge = "{\"name\":\"" + "x".repeat(2 * 1024 * 1024) + "\",\"tags\":[\"t\"]}";
    assertThat(problemOf(HttpRequest.POST("/probe/things", huge), 413).get("type").getStringValue())
        .endsWith("/payload-too-large");

    assertThat(
            problemOf(
                    HttpRequest.POST("/probe/things", "name=a")
                        .contentType(MediaType.APPLICATION_FORM_URLENCODED_TYPE),
                    415)
                .get("type")
                .getStringValue())
        .endsWith("/unsupported-media-type");
  }

  @Test
  void requestsWithoutAValidTokenAre401Problems() throws IOException {
    for (String token :
        new String[] {
          null,
          tokens.withoutTenant(),
          tokens.expired("acme"),
          tokens.notYetValid("acme"),
          tokens.wrongAudience("acme"),
          tokens.wrongIssuer("acme"),
          tokens.algNone("acme"),
          tokens.badSignature("acme"),
          tokens.signedWithUnknownKey("acme")
        }) {
      HttpRequest<?> request = HttpRequest.GET("/probe/things/t-1");
      if (token != null) {
        request = HttpRequest.GET("/probe/things/t-1").bearerAuth(token);
      }
      HttpClientResponseException failure = fail(request, 401);
      assertThat(failure.getResponse().getContentType())
          .as("token %s", token)
          .contains(MediaType.of("application/problem+json"));
    }
  }

  private JsonNode problemOf(HttpRequest<?> request, int status) throws IOException {
    HttpClientResponseException failure = fail(request, status);
    assertThat(failure.getResponse().getContentType())
        .contains(MediaType.of("application/problem+json"));
    assertThat(failure.getResponse().header("X-Request-Id")).isNotBlank();
    JsonNode problem =
        json.readValue(failure.getResponse().getBody(String.class).orElseThrow(), JsonNode.class);
    assertThat(problem.get("status").getIntValue()).isEqualTo(status);
    assertThat(problem.get("title").getStringValue()).isNotBlank();
    return problem;
  }

  private HttpClientResponseException fail(HttpRequest<?> request, int status) {
    if (request instanceof io.micronaut.http.MutableHttpRequest<?> mutable
        && !mutable.getHeaders().contains("Authorization")
        && status != 401) {
      mutable.bearerAuth(builder);
    }
    try {
      HttpResponse<String> response = client.toBlocking().exchange(request, String.class);
      throw new AssertionError("Expected " + status + " but got " + response.code());
    } catch (HttpClientResponseException e) {
      assertThat(e.getStatus().getCode())
          .as(e.getResponse().getBody(String.class).orElse(""))
          .isEqualTo(status);
      return e;
    }
  }

  private static java.util.List<String> pointers(JsonNode problem) {
    java.util.List<String> pointers = new java.util.ArrayList<>();
    problem.get("errors").values().forEach(e -> pointers.add(e.get("pointer").getStringValue()));
    return pointers;
  }

  private static java.util.List<String> codes(JsonNode problem) {
    java.util.List<String> codes = new java.util.ArrayList<>();
    problem.get("errors").values().forEach(e -> codes.add(e.get("code").getStringValue()));
    return codes;
  }
}
