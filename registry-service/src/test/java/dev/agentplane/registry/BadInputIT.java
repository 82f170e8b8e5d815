package dev.agentplane.registry;

import static dev.agentplane.registry.Specs.createBody;
import static dev.agentplane.registry.Specs.specBody;
import static dev.agentplane.testkit.ServiceApi.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad requests get a 4xx problem that says what and where, and leave nothing behind: after every
 * refusal the tenant's list and the resource's versions are as they were.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT extends RegistryTestSupport {

  private static final int SPEC_LIMIT = 256 * 1024;
  private static final int BODY_LIMIT = 1024 * 1024;

  private String tenant;
  private String builder;

  private Reply create(String body) {
    tenant = newTenant();
    builder = user(tenant, "builder");
    return api().post("/v1/tools", builder, body);
  }

  private void assertNothingWasCreated() {
    assertThat(api().get("/v1/tools", builder).body().path("items")).isEmpty();
  }

  private static String withName(JsonNode spec) {
    return createBody("echo", spec);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"name\": \"echo\", \"spec\": ",
        "{\"name\": \"echo\" \"spec\": {}}",
        "{\"name\": 'echo'}",
        "{\"name\": \"echo\", \"spec\": {}} trailing",
        "{\"name\": \"echo\", \"name\": \"again\", \"spec\": {}}"
      })
  void malformedJsonIsABadRequest(String body) {
    Reply reply = create(body);

    assertThat(reply.status()).as(reply.raw()).isEqualTo(400);
    assertThat(reply.contentType()).isEqualTo("application/problem+json");
    assertThat(reply.problemSlug()).isEqualTo("malformed-request");
    assertThat(reply.errorCodes()).contains("malformed_json");
    assertThat(reply.errorPointers()).contains("");
    assertNothingWasCreated();
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "[{\"name\": \"echo\"}]", "\"echo\"", "42", "null", "true"})
  void aBodyThatIsNotAnObjectIsABadRequest(String body) {
    Reply reply = create(body);

    assertProblem(reply, 400, "invalid-request");
    assertThat(reply.errorCodes()).contains("not_an_object");
    assertNothingWasCreated();
  }

  @Test
  void anUnknownFieldIsABadRequestNamingIt() {
    ObjectNode body = (ObjectNode) parse(withName(Specs.aTool()));
    body.put("bogus", 1);

    Reply reply = create(body.toString());

    assertProblem(reply, 400, "invalid-request");
    assertThat(reply.errorPointers()).containsExactly("/bogus");
    assertThat(reply.errorCodes()).containsExactly("unknown_property");
    assertNothingWasCreated();
  }

  @Test
  void serverOwnedFieldsAreABadRequestNamingEveryOne() {
    ObjectNode body = (ObjectNode) parse(withName(Specs.aTool()));
    body.put("id", "3f1c1b8e-6c1e-4a57-9d55-2b2b0d1f4e11");
    body.put("tenantId", "someone-else");
    body.put("status", "active");
    body.put("version", 7);

    Reply reply = create(body.toString());

    assertProblem(reply, 400, "invalid-request");
    assertThat(reply.errorPointers())
        .containsExactlyInAnyOrder("/id", "/tenantId", "/status", "/version");
    assertThat(reply.errorCodes()).containsOnly("server_owned");
    assertNothingWasCreated();
  }

  @Test
  void aMissingSpecIsABadRequestNamingSpec() {
    Reply reply = create("{\"name\": \"echo\"}");

    assertProblem(reply, 400, "invalid-request");
    assertThat(reply.errorPointers()).containsExactly("/spec");
    assertNothingWasCreated();
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"a spec\"", "[]", "1", "true"})
  void aSpecThatIsNotAnObjectIsABadRequest(String spec) {
    Reply reply = create("{\"name\": \"echo\", \"spec\": " + spec + "}");

    assertProblem(reply, 400, "invalid-request");
    assertThat(reply.errorPointers()).containsExactly("/spec");
    assertNothingWasCreated();
  }

  @Test
  void aSpecOverTheLimitIsTooLargeNamingSpecEvenWhenTheBodyIsNot() {
    String body = withName(Specs.aTool().put("description", "d".repeat(SPEC_LIMIT + 1)));
    assertThat(body.getBytes(StandardCharsets.UTF_8).length).isLessThan(BODY_LIMIT);

    Reply reply = create(body);

    assertProblem(reply, 413, "payload-too-large");
    assertThat(reply.errorPointers()).containsExactly("/spec");
    assertNothingWasCreated();
  }

  @Test
  void aSpecJustUnderTheLimitIsAccepted() {
    String body = withName(Specs.aTool().put("description", "d".repeat(SPEC_LIMIT - 1024)));

    Reply reply = create(body);

    assertThat(reply.status()).as(reply.raw()).isEqualTo(201);
  }

  @Test
  void aBodyOverOneMebibyteIsTooLarge() {
    String body = withName(Specs.aTool().put("description", "d".repeat(BODY_LIMIT + 1)));

    Reply reply = create(body);

    assertProblem(reply, 413, "payload-too-large");
    assertNothingWasCreated();
  }

  @Test
  void aDuplicateNameIsAConflictAndKeepsTheFirst() {
    tenant = newTenant();
    builder = user(tenant, "builder");
    JsonNode first = newResource(tenant, "tools", "echo", Specs.aTool());

    Reply again =
        api()
            .post(
                "/v1/tools", builder, createBody("echo", Specs.aTool().put("description", "new")));

    assertProblem(again, 409, "name-taken");
    JsonNode listed = api().get("/v1/tools", builder).body().path("items");
    assertThat(listed.findValuesAsText("id")).containsExactly(first.path("resourceId").asText());
    assertThat(
            api()
                .get(versionOf("tools", first, 1), builder)
                .body()
                .path("spec")
                .path("description")
                .asText())
        .isEqualTo("Echoes its input");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Echo", "ECHO", "echo tool", " echo", "echo_tool", "1echo", ""})
  void anInvalidNameIsUnprocessableNamingName(String name) {
    Reply reply = create(createBody(name, Specs.aTool()));

    assertProblem(reply, 422, "validation-failed");
    assertThat(reply.errorPointers()).containsExactly("/name");
    assertNothingWasCreated();
  }

  @Test
  void aNameThatIsNotAStringIsABadRequestNamingName() {
    Reply reply = create("{\"name\": 7, \"spec\": " + Specs.aTool() + "}");

    assertProblem(reply, 400, "invalid-request");
    assertThat(reply.errorPointers()).containsExactly("/name");
    assertNothingWasCreated();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"spec\": SPEC, \"from\": 1}",
        "{}",
        "{\"spec\": null, \"from\": null}",
        "{\"from\": 0}",
        "{\"from\": -1}",
        "{\"from\": \"x\"}",
        "{\"from\": 1.5}",
        "{\"from\": \"1\"}",
        "{\"from\": 1, \"bogus\": true}",
        "{\"spec\": SPEC, \"version\": 2}",
        "{\"spec\": \"not an object\"}"
      })
  void aNewVersionNeedsExactlyOneOfSpecAndAValidFrom(String template) {
    JsonNode v1 = aToolWithTwoVersions();
    String body = template.replace("SPEC", Specs.aTool().toString());

    Reply reply = api().post(resourceOf("tools", v1) + "/versions", builder, body);

    assertProblem(reply, 400, "invalid-request");
    assertThat(reply.body().path("errors").isArray()).as(reply.raw()).isTrue();
    assertVersionCount(v1, 2);
  }

  @Test
  void cloningAVersionThatDoesNotExistIsNotFound() {
    JsonNode v1 = aToolWithTwoVersions();

    Reply reply = api().post(resourceOf("tools", v1) + "/versions", builder, "{\"from\": 9}");

    assertProblem(reply, 404, "not-found");
    assertVersionCount(v1, 2);
  }

  @Test
  void updatingADraftRefusesTheSameBadBodiesAndChangesNothing() {
    JsonNode v1 = aToolWithTwoVersions();
    String draft = versionOf("tools", v1, 2);
    String etag = api().get(draft, builder).header("ETag").orElseThrow();
    Map<String, String> ifMatch = Map.of("If-Match", etag);

    assertProblem(api().put(draft, builder, "{\"spec\": ", ifMatch), 400, "malformed-request");
    assertProblem(api().put(draft, builder, "[]", ifMatch), 400, "invalid-request");
    assertProblem(api().put(draft, builder, "{}", ifMatch), 400, "invalid-request");
    Reply owned =
        api()
            .put(
                draft,
                builder,
                "{\"spec\": " + Specs.aTool() + ", \"status\": \"active\", \"etag\": \"x\"}",
                ifMatch);
    assertProblem(owned, 400, "invalid-request");
    assertThat(owned.errorPointers()).containsExactlyInAnyOrder("/status", "/etag");
    Reply tooLarge =
        api()
            .put(
                draft,
                builder,
                specBody(Specs.aTool().put("description", "d".repeat(SPEC_LIMIT + 1))),
                ifMatch);
    assertProblem(tooLarge, 413, "payload-too-large");
    assertThat(tooLarge.errorPointers()).containsExactly("/spec");

    assertThat(api().get(draft, builder).header("ETag")).contains(etag);
  }

  @Test
  void aBodyThatIsNotJsonIsAnUnsupportedMediaType() {
    JsonNode v1 = aToolWithTwoVersions();
    Map<String, String> textPlain = Map.of("Content-Type", "text/plain");
    String etag = api().get(versionOf("tools", v1, 2), builder).header("ETag").orElseThrow();

    Reply create =
        api().send("POST", "/v1/tools", builder, createBody("other", Specs.aTool()), textPlain);
    Reply newVersion =
        api()
            .send(
                "POST",
                resourceOf("tools", v1) + "/versions",
                builder,
                specBody(Specs.aTool()),
                textPlain);
    Reply update =
        api()
            .send(
                "PUT",
                versionOf("tools", v1, 2),
                builder,
                specBody(Specs.aTool().put("description", "changed")),
                Map.of("Content-Type", "text/plain", "If-Match", etag));

    assertProblem(create, 415, "unsupported-media-type");
    assertProblem(newVersion, 415, "unsupported-media-type");
    assertProblem(update, 415, "unsupported-media-type");
    assertThat(api().get("/v1/tools", builder).body().path("items").findValuesAsText("name"))
        .containsExactly("echo");
    assertVersionCount(v1, 2);
    assertThat(api().get(versionOf("tools", v1, 2), builder).header("ETag")).contains(etag);
  }

  /** A tool "echo" of a fresh tenant with v1 active and v2 a draft. */
  private JsonNode aToolWithTwoVersions() {
    tenant = newTenant();
    builder = user(tenant, "builder");
    JsonNode v1 = newResource(tenant, "tools", "echo", Specs.aTool());
    assertThat(api().post(versionOf("tools", v1, 1) + ":promote", builder, null).status())
        .isEqualTo(200);
    assertThat(
            api()
                .post(resourceOf("tools", v1) + "/versions", builder, specBody(Specs.aTool()))
                .status())
        .isEqualTo(201);
    return v1;
  }

  private void assertVersionCount(JsonNode v1, int expected) {
    JsonNode tool = api().get(resourceOf("tools", v1), builder).body();
    assertThat(tool.path("versions")).hasSize(expected);
    assertThat(tool.path("latestVersion").asInt()).isEqualTo(expected);
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
