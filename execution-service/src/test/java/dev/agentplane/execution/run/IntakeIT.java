package dev.agentplane.execution.run;

import static dev.agentplane.execution.support.AgentSpecs.answering;
import static dev.agentplane.execution.support.AgentSpecs.sleepingThenAnswering;
import static dev.agentplane.execution.support.AgentSpecs.withInputSchema;
import static dev.agentplane.execution.support.ToolSpecs.sleep;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code POST /v1/runs}: what intake accepts, what it refuses and why, and what it snapshots. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IntakeIT extends ExecutionTestSupport {

  @Test
  void anAcceptedRunIsA202WithItsLocationAndRunsTheActiveVersion() {
    String tenant = newTenant();
    UUID agentId = registry.activeAgent(tenant, "greeter", answering("hello"));
    String token = operator(tenant);

    Reply accepted = api().post("/v1/runs", token, "{\"agent\":\"greeter\",\"input\":\"hi\"}");

    assertThat(accepted.status()).as(accepted.raw()).isEqualTo(202);
    JsonNode run = accepted.body();
    String id = run.path("id").asText();
    assertThat(accepted.header("Location"))
        .hasValueSatisfying(location -> assertThat(location).endsWith("/v1/runs/" + id));
    assertThat(accepted.header("Idempotent-Replayed")).contains("false");
    assertThat(run.path("status").asText()).isEqualTo("queued");
    assertThat(run.path("mode").asText()).isEqualTo("production");
    assertThat(run.path("agent").path("id").asText()).isEqualTo(agentId.toString());
    assertThat(run.path("agent").path("name").asText()).isEqualTo("greeter");
    assertThat(run.path("agent").path("version").asInt()).isEqualTo(1);
    assertThat(run.path("agent").path("specHash").asText()).isNotBlank();

    JsonNode ended = awaitEnd(token, run);
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("output").asText()).isEqualTo("hello");
    assertThat(get(token, accepted.header("Location").orElseThrow()).path("id").asText())
        .isEqualTo(id);
  }

  @Test
  void anAgentCanBeNamedByIdAndItsActiveVersionPinnedByNumberOrAsActive() {
    String tenant = newTenant();
    UUID agentId = registry.activeAgent(tenant, "greeter", answering("one"));
    String token = operator(tenant);

    JsonNode byId = start(token, "{\"agent\":\"" + agentId + "\",\"input\":{}}");
    JsonNode pinned = start(token, "{\"agent\":\"greeter\",\"version\":1,\"input\":{}}");
    JsonNode active = start(token, "{\"agent\":\"greeter\",\"version\":\"active\",\"input\":{}}");

    for (JsonNode run : new JsonNode[] {byId, pinned, active}) {
      assertThat(run.path("agent").path("id").asText()).isEqualTo(agentId.toString());
      assertThat(run.path("agent").path("version").asInt()).isEqualTo(1);
      assertThat(awaitEnd(token, run).path("output").asText()).isEqualTo("one");
    }

    // The listener hears only what is published once it is assigned.
    awaitLifecycleEventsApplied();
    registry.promoteAgent(
        tenant, agentId, registry.newAgentDraft(tenant, agentId, answering("two")));
    JsonNode second = start(token, "{\"agent\":\"greeter\",\"version\":2,\"input\":{}}");
    assertThat(awaitEnd(token, second).path("output").asText()).isEqualTo("two");

    String pinnedToOne = "{\"agent\":\"greeter\",\"version\":1,\"input\":{}}";
    // Intake remembered version 1 as runnable; the promotion's lifecycle event makes it forget.
    await("the archiving of version 1 to reach intake")
        .atMost(Duration.ofSeconds(20))
        .until(() -> api().post("/v1/runs", token, pinnedToOne).status() == 409);
    Reply archived = api().post("/v1/runs", token, pinnedToOne);
    assertThat(archived.status()).as(archived.raw()).isEqualTo(409);
    assertThat(archived.problemSlug()).isEqualTo("agent-not-runnable");
    assertThat(archived.errorPointers()).containsExactly("/version");
  }

  Stream<Arguments> malformedBodies() {
    return Stream.of(
        Arguments.of(
            "an unknown field",
            "{'agent':'greeter','input':{},'colour':'red'}",
            "/colour",
            "unknown_property"),
        Arguments.of(
            "an agent that is not a string", "{'agent':5,'input':{}}", "/agent", "wrong_type"),
        Arguments.of("a missing agent", "{'input':{}}", "/agent", "required"),
        Arguments.of("a missing input", "{'agent':'greeter'}", "/input", "required"),
        Arguments.of("a null input", "{'agent':'greeter','input':null}", "/input", "required"),
        Arguments.of(
            "a mode that is not a string",
            "{'agent':'greeter','input':{},'mode':true}",
            "/mode",
            "wrong_type"),
        Arguments.of(
            "an unknown mode",
            "{'agent':'greeter','input':{},'mode':'turbo'}",
            "/mode",
            "invalid_value"),
        Arguments.of(
            "a version that is neither a number nor active",
            "{'agent':'greeter','input':{},'version':'latest'}",
            "/version",
            "invalid_value"),
        Arguments.of(
            "a version below 1",
            "{'agent':'greeter','input':{},'version':0}",
            "/version",
            "invalid_value"),
        Arguments.of(
            "a fractional version",
            "{'agent':'greeter','input':{},'version':1.5}",
            "/version",
            "invalid_value"),
        Arguments.of(
            "metadata that is not an object",
            "{'agent':'greeter','input':{},'metadata':['a']}",
            "/metadata",
            "wrong_type"),
        Arguments.of(
            "a metadata value that is not a string",
            "{'agent':'greeter','input':{},'metadata':{'team':7}}",
            "/metadata/team",
            "wrong_type"),
        Arguments.of(
            "a metadata key with a slash and a tilde, escaped in the pointer",
            "{'agent':'greeter','input':{},'metadata':{'a/b~c':7}}",
            "/metadata/a~1b~0c",
            "wrong_type"),
        Arguments.of(
            "an idempotency key that is not a string",
            "{'agent':'greeter','input':{},'idempotencyKey':7}",
            "/idempotencyKey",
            "wrong_type"),
        Arguments.of("a body that is not JSON", "{'agent':", "", "malformed_json"),
        Arguments.of("a body that is not an object", "['greeter']", "", "not_an_object"));
  }

  @ParameterizedTest(name = "a body with {0} is a 400 naming the field")
  @MethodSource("malformedBodies")
  void aMalformedBodyIsA400ThatNamesTheField(
      String what, String singleQuotedBody, String pointer, String code) {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String token = operator(tenant);

    Reply refused = api().post("/v1/runs", token, singleQuotedBody.replace('\'', '"'));

    assertThat(refused.status()).as(refused.raw()).isEqualTo(400);
    assertThat(refused.contentType()).isEqualTo("application/problem+json");
    assertThat(refused.errorPointers()).as(refused.raw()).containsExactly(pointer);
    assertThat(refused.errorCodes()).as(refused.raw()).containsExactly(code);
    assertThat(listedIds(token, "limit=100")).isEmpty();
  }

  @Test
  void theSameKeyAndBodyReplaysTheRunAndAnotherBodyIsAConflict() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String token = operator(tenant);
    String body =
        "{\"agent\":\"greeter\",\"input\":{\"n\":1},\"idempotencyKey\":\"order-17\","
            + "\"metadata\":{\"team\":\"ops\"}}";

    Reply first = api().post("/v1/runs", token, body);
    Reply again = api().post("/v1/runs", token, body);

    assertThat(first.status()).as(first.raw()).isEqualTo(202);
    assertThat(again.status()).as(again.raw()).isEqualTo(202);
    String id = first.body().path("id").asText();
    assertThat(again.body().path("id").asText()).isEqualTo(id);
    assertThat(first.header("Idempotent-Replayed")).contains("false");
    assertThat(again.header("Idempotent-Replayed")).contains("true");
    assertThat(again.header("Location"))
        .hasValueSatisfying(location -> assertThat(location).endsWith("/v1/runs/" + id));

    Reply otherBody =
        api()
            .post(
                "/v1/runs",
                token,
                "{\"agent\":\"greeter\",\"input\":{\"n\":2},\"idempotencyKey\":\"order-17\","
                    + "\"metadata\":{\"team\":\"ops\"}}");
    assertThat(otherBody.status()).as(otherBody.raw()).isEqualTo(409);
    assertThat(otherBody.problemSlug()).isEqualTo("idempotency-key-reused");

    assertThat(listedIds(token, "limit=100")).containsExactly(id);
  }

  @Test
  void anotherPrincipalReusingAKeyGetsAConflictThatDoesNotRevealTheRun() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String body = "{\"agent\":\"greeter\",\"input\":{},\"idempotencyKey\":\"shared-key\"}";
    JsonNode run = start(operator(tenant), body);
    String id = run.path("id").asText();

    for (String other :
        new String[] {
          tokens.user(tenant, "another-operator", "operator"),
          tokens.user(tenant, "an-admin", "admin"),
          tokens.service(tenant, operatorSubject(tenant), "operator")
        }) {
      Reply reused = api().post("/v1/runs", other, body);
      assertThat(reused.status()).as(reused.raw()).isEqualTo(409);
      assertThat(reused.problemSlug()).isEqualTo("idempotency-key-reused");
      assertThat(reused.raw()).doesNotContain(id);
      assertThat(reused.header("Location")).isEmpty();
    }
    assertThat(listedIds(tokens.user(tenant, "an-admin", "admin"), "limit=100"))
        .containsExactly(id);
  }

  @Test
  void productionRunsNeedTheOperatorOrAdminRole() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String body = GREETER_RUN;

    for (String role : new String[] {"builder", "viewer", "approver"}) {
      Reply refused = api().post("/v1/runs", tokens.user(tenant, "u-" + role, role), body);
      assertThat(refused.status()).as(role + ": " + refused.raw()).isEqualTo(403);
      assertThat(refused.problemSlug()).isEqualTo("production-run-forbidden");
    }
    JsonNode byAdmin = start(tokens.user(tenant, "the-admin", "admin"), body);
    JsonNode byService = start(tokens.service(tenant, "batch-job", "operator"), body);
    assertThat(byAdmin.path("mode").asText()).isEqualTo("production");
    assertThat(byService.path("createdBy").asText()).isEqualTo("batch-job");
  }

  @Test
  void debugRunsAreForBuilderAndAdminUsersAndMayRunADraft() {
    String tenant = newTenant();
    registry.draftAgent(tenant, "drafty", answering("draft answer"));
    String debug = "{\"agent\":\"drafty\",\"version\":1,\"input\":{},\"mode\":\"debug\"}";

    Reply service = api().post("/v1/runs", tokens.service(tenant, "ci", "admin", "builder"), debug);
    Reply operator = api().post("/v1/runs", operator(tenant), debug);
    Reply viewer = api().post("/v1/runs", tokens.user(tenant, "v", "viewer"), debug);
    for (Reply refused : new Reply[] {service, operator, viewer}) {
      assertThat(refused.status()).as(refused.raw()).isEqualTo(403);
      assertThat(refused.problemSlug()).isEqualTo("debug-run-forbidden");
    }

    String builder = tokens.user(tenant, "the-builder", "builder");
    JsonNode run = start(builder, debug);
    assertThat(run.path("mode").asText()).isEqualTo("debug");
    JsonNode ended = awaitEnd(builder, run);
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("output").asText()).isEqualTo("draft answer");
    JsonNode byAdmin = start(tokens.user(tenant, "the-admin", "admin"), debug);
    assertThat(byAdmin.path("agent").path("version").asInt()).isEqualTo(1);
  }

  @Test
  void aDebugRunWithoutAVersionRunsTheNewestVersionWhileProductionRunsTheActiveOne() {
    String tenant = newTenant();
    UUID agentId = registry.activeAgent(tenant, "greeter", answering("active answer"));
    registry.newAgentDraft(tenant, agentId, answering("draft answer"));
    String builder = tokens.user(tenant, "the-builder", "builder");
    String operator = operator(tenant);

    JsonNode debug =
        awaitEnd(
            builder, start(builder, "{\"agent\":\"greeter\",\"input\":{},\"mode\":\"debug\"}"));
    JsonNode production = awaitEnd(operator, start(operator, GREETER_RUN));

    assertThat(debug.path("agent").path("version").asInt()).isEqualTo(2);
    assertThat(debug.path("output").asText()).isEqualTo("draft answer");
    assertThat(production.path("agent").path("version").asInt()).isEqualTo(1);
    assertThat(production.path("output").asText()).isEqualTo("active answer");
    JsonNode draftOnly =
        start(
            builder,
            "{\"agent\":\""
                + registry.draftAgent(tenant, "drafty", answering("only a draft"))
                + "\",\"input\":{},\"mode\":\"debug\"}");
    assertThat(awaitEnd(builder, draftOnly).path("output").asText()).isEqualTo("only a draft");
  }

  @Test
  void aProductionRunRefusesADraftAndNamesWhatCannotRun() {
    String tenant = newTenant();
    registry.draftAgent(tenant, "drafty", answering("draft answer"));
    String token = operator(tenant);

    Reply unpinned = api().post("/v1/runs", token, "{\"agent\":\"drafty\",\"input\":{}}");
    assertThat(unpinned.status()).as(unpinned.raw()).isEqualTo(409);
    assertThat(unpinned.problemSlug()).isEqualTo("agent-not-runnable");
    assertThat(unpinned.errorPointers()).as(unpinned.raw()).containsExactly("/agent");
    assertThat(unpinned.body().path("detail").asText()).contains("drafty");

    Reply pinned =
        api().post("/v1/runs", token, "{\"agent\":\"drafty\",\"version\":1,\"input\":{}}");
    assertThat(pinned.status()).as(pinned.raw()).isEqualTo(409);
    assertThat(pinned.problemSlug()).isEqualTo("agent-not-runnable");
    assertThat(pinned.errorPointers()).as(pinned.raw()).containsExactly("/version");
    assertThat(pinned.body().path("detail").asText()).contains("draft");

    assertThat(listedIds(token, "limit=100")).isEmpty();
  }

  @Test
  void anActiveAgentWhoseToolIsNotActiveCannotRunInProduction() {
    String tenant = newTenant();
    UUID tool = registry.activeTool(tenant, "sleep", sleep());
    registry.activeAgent(tenant, "napper", sleepingThenAnswering(1, "rested"));
    registry.archiveTool(tenant, tool);
    String token = operator(tenant);

    Reply refused = api().post("/v1/runs", token, "{\"agent\":\"napper\",\"input\":{}}");

    assertThat(refused.status()).as(refused.raw()).isEqualTo(409);
    assertThat(refused.problemSlug()).isEqualTo("agent-not-runnable");
    assertThat(refused.errorPointers()).as(refused.raw()).containsExactly("/agent/tools/0");
    assertThat(listedIds(token, "limit=100")).isEmpty();
  }

  @Test
  void inputThatBreaksTheAgentsInputSchemaIsA422UnderInput() {
    String tenant = newTenant();
    registry.activeAgent(
        tenant,
        "forecaster",
        withInputSchema(
            answering("sunny"),
            "{'type':'object','properties':{'city':{'type':'string'},'days':{'type':'integer',"
                + "'minimum':1}},'required':['city'],'additionalProperties':false}"));
    String token = operator(tenant);

    Reply wrongType =
        api().post("/v1/runs", token, "{\"agent\":\"forecaster\",\"input\":{\"city\":5}}");
    Reply missing =
        api().post("/v1/runs", token, "{\"agent\":\"forecaster\",\"input\":{\"days\":0}}");
    Reply notAnObject =
        api().post("/v1/runs", token, "{\"agent\":\"forecaster\",\"input\":\"Lisbon\"}");

    for (Reply refused : new Reply[] {wrongType, missing, notAnObject}) {
      assertThat(refused.status()).as(refused.raw()).isEqualTo(422);
      assertThat(refused.contentType()).isEqualTo("application/problem+json");
      assertThat(refused.errorPointers())
          .as(refused.raw())
          .isNotEmpty()
          .allMatch(pointer -> pointer.equals("/input") || pointer.startsWith("/input/"));
    }
    assertThat(wrongType.errorPointers()).containsExactly("/input/city");
    assertThat(missing.errorPointers()).contains("/input/city", "/input/days");
    assertThat(notAnObject.errorPointers()).containsExactly("/input");

    JsonNode good = start(token, "{\"agent\":\"forecaster\",\"input\":{\"city\":\"Lisbon\"}}");
    assertThat(listedIds(token, "limit=100")).containsExactly(good.path("id").asText());
  }

  @Test
  void anUnknownAgentIsA422AtAgentAndAMissingVersionA422AtVersion() {
    String tenant = newTenant();
    UUID agentId = registry.activeAgent(tenant, "greeter", answering("hello"));
    String token = operator(tenant);

    Reply byName = api().post("/v1/runs", token, "{\"agent\":\"nobody\",\"input\":{}}");
    Reply byId =
        api().post("/v1/runs", token, "{\"agent\":\"" + UUID.randomUUID() + "\",\"input\":{}}");
    Reply version =
        api().post("/v1/runs", token, "{\"agent\":\"greeter\",\"version\":7,\"input\":{}}");
    Reply versionById =
        api().post("/v1/runs", token, "{\"agent\":\"" + agentId + "\",\"version\":7,\"input\":{}}");

    for (Reply unknownAgent : new Reply[] {byName, byId}) {
      assertThat(unknownAgent.status()).as(unknownAgent.raw()).isEqualTo(422);
      assertThat(unknownAgent.errorPointers()).containsExactly("/agent");
    }
    for (Reply unknownVersion : new Reply[] {version, versionById}) {
      assertThat(unknownVersion.status()).as(unknownVersion.raw()).isEqualTo(422);
      assertThat(unknownVersion.errorPointers())
          .as(unknownVersion.raw())
          .containsExactly("/version");
    }
    assertThat(listedIds(token, "limit=100")).isEmpty();
  }

  @Test
  void aRunKeepsTheVersionItWasAcceptedWithWhileANewOneIsPromoted() {
    String tenant = newTenant();
    registry.activeTool(tenant, "sleep", sleep());
    UUID agentId = registry.activeAgent(tenant, "napper", sleepingThenAnswering(8000, "old"));
    String token = operator(tenant);
    // Before the run, not during its nap: the listener hears only what is published once it is
    // assigned.
    awaitLifecycleEventsApplied();
    JsonNode slow = start(token, "{\"agent\":\"napper\",\"input\":{}}");
    String path = "/v1/runs/" + slow.path("id").asText();
    String oldHash = slow.path("agent").path("specHash").asText();
    await("the slow run to start")
        .atMost(Duration.ofSeconds(20))
        .until(() -> get(token, path).path("status").asText().equals("running"));

    registry.promoteAgent(
        tenant, agentId, registry.newAgentDraft(tenant, agentId, sleepingThenAnswering(1, "new")));
    assertThat(get(token, path).path("status").asText())
        .as("the promotion happened while the run was in flight")
        .isEqualTo("running");

    JsonNode ended = awaitEnd(token, slow);
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("output").asText()).isEqualTo("old");
    assertThat(ended.path("agent").path("version").asInt()).isEqualTo(1);
    assertThat(ended.path("agent").path("specHash").asText()).isEqualTo(oldHash);

    // Intake may still hold version 1 until the promotion's lifecycle event is applied.
    JsonNode next =
        await("version 2 to be what new runs resolve to")
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> awaitEnd(token, start(token, "{\"agent\":\"napper\",\"input\":{}}")),
                run -> run.path("agent").path("version").asInt() == 2);
    assertThat(next.path("output").asText()).isEqualTo("new");
    assertThat(next.path("agent").path("version").asInt()).isEqualTo(2);
    assertThat(next.path("agent").path("specHash").asText()).isNotEqualTo(oldHash);
  }
}
