package dev.agentplane.execution.run;

import static dev.agentplane.execution.support.AgentSpecs.answering;
import static dev.agentplane.execution.support.AgentSpecs.sleepingThenAnswering;
import static dev.agentplane.execution.support.ToolSpecs.sleep;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Who sees and steers which run (execution-service README, API table), the run list's filters and
 * cursor, and the tenant's usage totals.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunAccessIT extends ExecutionTestSupport {

  /** Long enough to still be running when a test cancels it; a cancel interrupts the nap. */
  private static final long LONG_NAP_MS = 20_000;

  @Override
  protected Map<String, String> settings() {
    return Map.of(
        // A price for the scripted model, so that usage adds up costs that are not all zero.
        "agentplane.execution.prices.scripted.input",
        "3",
        "agentplane.execution.prices.scripted.output",
        "15");
  }

  @Test
  void anotherTenantsRunIsA404JustLikeARunThatDoesNotExist() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String owner = operator(tenant);
    JsonNode run = awaitEnd(owner, start(owner, GREETER_RUN));
    String id = run.path("id").asText();
    String stranger = tokens.user(newTenant(), "an-admin", "admin");
    String nobody = UUID.randomUUID().toString();

    for (String action : List.of("GET ", "GET /checkpoints", "GET /events", "POST /cancel")) {
      Reply foreign = call(action, id, stranger);
      Reply missing = call(action, nobody, stranger);
      assertThat(foreign.status()).as(action + " " + foreign.raw()).isEqualTo(404);
      assertThat(missing.status()).as(action + " " + missing.raw()).isEqualTo(404);
      assertThat(foreign.contentType()).isEqualTo("application/problem+json");
      assertThat(withoutIdentity(foreign, id))
          .as(action)
          .isEqualTo(withoutIdentity(missing, nobody));
    }
    Reply malformed = call("GET ", "not-a-run-id", stranger);
    assertThat(malformed.status()).isEqualTo(404);
    assertThat(malformed.problemSlug()).isEqualTo(call("GET ", nobody, stranger).problemSlug());

    JsonNode untouched = get(owner, "/v1/runs/" + id);
    assertThat(untouched.path("status").asText()).isEqualTo("succeeded");
    assertThat(untouched.has("cancelRequestedAt")).isFalse();
  }

  @Test
  void anOperatorReadsAnotherOperatorsRunButOnlyItsCreatorCancelsIt() {
    String tenant = newTenant();
    registry.activeTool(tenant, "sleep", sleep());
    registry.activeAgent(tenant, "napper", sleepingThenAnswering(LONG_NAP_MS, "rested"));
    String creator = operator(tenant);
    String colleague = tokens.user(tenant, "another-operator", "operator");
    JsonNode run = start(creator, "{\"agent\":\"napper\",\"input\":{}}");
    String path = "/v1/runs/" + run.path("id").asText();

    assertThat(get(colleague, path).path("id").asText()).isEqualTo(run.path("id").asText());
    Reply cancelByColleague = api().post(path + "/cancel", colleague, "");
    assertThat(cancelByColleague.status()).as(cancelByColleague.raw()).isEqualTo(403);
    assertThat(cancelByColleague.problemSlug()).isEqualTo("not-run-owner");
    Reply checkpointsOfColleague = api().get(path + "/checkpoints", colleague);
    assertThat(checkpointsOfColleague.status()).as(checkpointsOfColleague.raw()).isEqualTo(403);
    assertThat(checkpointsOfColleague.problemSlug()).isEqualTo("not-run-owner");
    assertThat(get(creator, path).has("cancelRequestedAt")).isFalse();

    Reply cancelled = api().post(path + "/cancel", creator, "{\"reason\":\"changed my mind\"}");
    assertThat(cancelled.status()).as(cancelled.raw()).isEqualTo(202);
    assertThat(cancelled.body().path("cancelRequestedAt").asText()).isNotBlank();
    JsonNode ended = awaitEnd(creator, run);
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("cancelled");
    assertThat(api().get(path + "/checkpoints", creator).status()).isEqualTo(200);
  }

  @Test
  void aTenantAdminCancelsAnyonesRunAndReadsItsCheckpoints() {
    String tenant = newTenant();
    registry.activeTool(tenant, "sleep", sleep());
    registry.activeAgent(tenant, "napper", sleepingThenAnswering(LONG_NAP_MS, "rested"));
    String creator = operator(tenant);
    String admin = tokens.user(tenant, "the-admin", "admin");
    JsonNode run = start(creator, "{\"agent\":\"napper\",\"input\":{}}");
    String path = "/v1/runs/" + run.path("id").asText();
    await("the run to reach its nap")
        .atMost(Duration.ofSeconds(20))
        .until(() -> get(creator, path).path("status").asText().equals("running"));

    Reply cancelled = api().post(path + "/cancel", admin, "");
    assertThat(cancelled.status()).as(cancelled.raw()).isEqualTo(202);
    JsonNode ended = awaitEnd(creator, run);
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("cancelled");

    JsonNode checkpoints = get(admin, path + "/checkpoints");
    assertThat(checkpoints).isNotEmpty();
    assertThat(checkpoints.get(0).path("seq").asInt()).isEqualTo(1);
    Reply again = api().post(path + "/cancel", admin, "");
    assertThat(again.status()).as(again.raw()).isEqualTo(409);
    assertThat(again.problemSlug()).isEqualTo("run-finished");
  }

  @Test
  void aViewerSeesNoRunsAndABuilderOnlyItsOwn() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String operator = operator(tenant);
    String builder = tokens.user(tenant, "the-builder", "builder");
    String viewer = tokens.user(tenant, "the-viewer", "viewer");
    JsonNode operatorsRun = start(operator, GREETER_RUN);
    JsonNode buildersRun =
        start(builder, "{\"agent\":\"greeter\",\"input\":{},\"mode\":\"debug\"}");
    String operatorsPath = "/v1/runs/" + operatorsRun.path("id").asText();
    String buildersPath = "/v1/runs/" + buildersRun.path("id").asText();
    awaitEnd(operator, operatorsRun);
    awaitEnd(builder, buildersRun);

    for (String path : List.of(operatorsPath, buildersPath)) {
      assertThat(api().get(path, viewer).status()).as(path).isEqualTo(404);
      assertThat(api().get(path + "/checkpoints", viewer).status()).as(path).isEqualTo(404);
      assertThat(api().post(path + "/cancel", viewer, "").status()).as(path).isEqualTo(404);
    }
    assertThat(listedIds(viewer, "limit=100")).isEmpty();
    assertThat(listedIds(viewer, "creator=" + operatorSubject(tenant))).isEmpty();
    assertThat(api().get("/v1/usage", viewer).status()).isEqualTo(403);

    assertThat(api().get(operatorsPath, builder).status()).isEqualTo(404);
    assertThat(get(builder, buildersPath).path("mode").asText()).isEqualTo("debug");
    assertThat(api().get(buildersPath + "/checkpoints", builder).status()).isEqualTo(200);
    assertThat(listedIds(builder, "limit=100")).containsExactly(id(buildersRun));
    assertThat(listedIds(builder, "creator=" + operatorSubject(tenant)))
        .containsExactly(id(buildersRun));
    assertThat(api().get("/v1/usage", builder).status()).isEqualTo(403);

    assertThat(listedIds(operator, "limit=100")).containsExactly(id(buildersRun), id(operatorsRun));
  }

  @Test
  void theRunListFiltersByAgentStatusModeAndCreator() {
    String tenant = newTenant();
    registry.activeTool(tenant, "sleep", sleep());
    UUID greeter = registry.activeAgent(tenant, "greeter", answering("hello"));
    UUID napper =
        registry.activeAgent(tenant, "napper", sleepingThenAnswering(LONG_NAP_MS, "rested"));
    String first = operator(tenant);
    String second = tokens.user(tenant, "second-operator", "operator");
    String builder = tokens.user(tenant, "the-builder", "builder");
    String admin = tokens.user(tenant, "the-admin", "admin");
    String byFirst = id(awaitEnd(first, start(first, "{\"agent\":\"greeter\",\"input\":1}")));
    String bySecond = id(awaitEnd(second, start(second, "{\"agent\":\"greeter\",\"input\":2}")));
    String debug =
        id(
            awaitEnd(
                builder, start(builder, "{\"agent\":\"greeter\",\"input\":3,\"mode\":\"debug\"}")));
    JsonNode napping = start(first, "{\"agent\":\"napper\",\"input\":4}");
    assertThat(api().post("/v1/runs/" + id(napping) + "/cancel", first, "").status())
        .isEqualTo(202);
    String cancelled = id(awaitEnd(first, napping));

    assertThat(listedIds(admin, "limit=100")).containsExactly(cancelled, debug, bySecond, byFirst);
    assertThat(listedIds(admin, "agent=greeter")).containsExactly(debug, bySecond, byFirst);
    assertThat(listedIds(admin, "agent=" + greeter)).containsExactly(debug, bySecond, byFirst);
    assertThat(listedIds(admin, "agent=" + napper)).containsExactly(cancelled);
    assertThat(listedIds(admin, "status=cancelled")).containsExactly(cancelled);
    assertThat(listedIds(admin, "status=succeeded")).containsExactly(debug, bySecond, byFirst);
    assertThat(listedIds(admin, "status=running")).isEmpty();
    assertThat(listedIds(admin, "mode=debug")).containsExactly(debug);
    assertThat(listedIds(admin, "mode=production")).containsExactly(cancelled, bySecond, byFirst);
    assertThat(listedIds(admin, "creator=" + operatorSubject(tenant)))
        .containsExactly(cancelled, byFirst);
    assertThat(listedIds(admin, "creator=the-builder")).containsExactly(debug);
    assertThat(listedIds(second, "agent=greeter&creator=" + operatorSubject(tenant)))
        .containsExactly(byFirst);
    assertThat(listedIds(admin, "agent=nobody")).isEmpty();

    for (String bad : List.of("status=lost", "mode=turbo", "limit=0", "limit=101", "cursor=xyz")) {
      Reply refused = api().get("/v1/runs?" + bad, admin);
      assertThat(refused.status()).as(bad + " " + refused.raw()).isEqualTo(400);
      assertThat(refused.errorPointers()).containsExactly("/" + bad.substring(0, bad.indexOf('=')));
    }
  }

  @Test
  void pagingThroughRunsGivesEachRunOnceNewestFirst() {
    String tenant = newTenant();
    registry.activeAgent(tenant, "greeter", answering("hello"));
    String token = operator(tenant);
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      created.add(id(start(token, "{\"agent\":\"greeter\",\"input\":" + i + "}")));
    }

    List<JsonNode> pages = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page = get(token, "/v1/runs?limit=3" + (cursor == null ? "" : "&cursor=" + cursor));
      pages.add(page);
      page.path("items").forEach(run -> seen.add(id(run)));
      if (pages.size() == 1) {
        // A run started between pages is newer than the cursor: it never shifts later pages.
        start(token, "{\"agent\":\"greeter\",\"input\":\"late\"}");
      }
      cursor = page.path("nextCursor").isTextual() ? page.path("nextCursor").asText() : null;
    } while (cursor != null && pages.size() < 10);

    assertThat(pages).extracting(page -> page.path("items").size()).containsExactly(3, 3, 1);
    assertThat(pages.getLast().has("nextCursor")).isFalse();
    assertThat(seen).doesNotHaveDuplicates().containsExactlyElementsOf(created.reversed());

    List<JsonNode> all = listAll(token, "limit=2");
    assertThat(all).hasSize(8);
    assertThat(all)
        .extracting(run -> Instant.parse(run.path("createdAt").asText()))
        .isSortedAccordingTo((a, b) -> b.compareTo(a));
  }

  @Test
  void usageAddsUpTheTenantsFinishedRunsAndIsTheTenantsAlone() {
    String tenant = newTenant();
    registry.activeTool(tenant, "sleep", sleep());
    registry.activeAgent(tenant, "greeter", answering("hello there"));
    registry.activeAgent(tenant, "napper", sleepingThenAnswering(1, "rested"));
    String token = operator(tenant);
    Instant before = Instant.now();
    List<JsonNode> runs =
        List.of(
            awaitEnd(token, start(token, "{\"agent\":\"greeter\",\"input\":\"a\"}")),
            awaitEnd(token, start(token, "{\"agent\":\"napper\",\"input\":\"bb\"}")),
            awaitEnd(token, start(token, "{\"agent\":\"napper\",\"input\":{\"c\":[1,2,3]}}")));
    assertThat(runs)
        .allSatisfy(run -> assertThat(run.path("status").asText()).isEqualTo("succeeded"));

    JsonNode usage = get(tokens.user(tenant, "the-admin", "admin"), "/v1/usage");

    assertThat(usage.path("runs").asLong()).isEqualTo(3);
    assertThat(usage.path("steps").asLong()).isEqualTo(sum(runs, "/steps")).isEqualTo(1 + 3 + 3);
    assertThat(usage.path("inputTokens").asLong()).isEqualTo(sum(runs, "/usage/inputTokens"));
    assertThat(usage.path("outputTokens").asLong()).isEqualTo(sum(runs, "/usage/outputTokens"));
    assertThat(usage.path("totalTokens").asLong())
        .isEqualTo(sum(runs, "/usage/totalTokens"))
        .isPositive();
    double cost = runs.stream().mapToDouble(run -> run.at("/usage/costUsd").asDouble()).sum();
    assertThat(usage.path("costUsd").asDouble()).isPositive().isCloseTo(cost, within(1e-9));

    JsonNode operatorsView = get(token, "/v1/usage");
    assertThat(operatorsView.path("runs").asLong()).isEqualTo(3);
    JsonNode before3 =
        get(token, "/v1/usage?from=2020-01-01T00:00:00Z&to=" + before.minusSeconds(1));
    assertThat(before3.path("runs").asLong()).isZero();
    JsonNode stranger = get(tokens.user(newTenant(), "an-admin", "admin"), "/v1/usage");
    assertThat(stranger.path("runs").asLong()).isZero();
    assertThat(stranger.path("totalTokens").asLong()).isZero();
    Reply badWindow = api().get("/v1/usage?from=yesterday", token);
    assertThat(badWindow.status()).as(badWindow.raw()).isEqualTo(400);
    assertThat(badWindow.errorPointers()).containsExactly("/from");
  }

  private Reply call(String action, String runId, String token) {
    String[] parts = action.split(" ", 2);
    String path = "/v1/runs/" + runId + parts[1];
    return parts[0].equals("GET") ? api().get(path, token) : api().post(path, token, "");
  }

  /** The problem without what names this very request: its id, its path, the run id asked for. */
  private static JsonNode withoutIdentity(Reply reply, String runId) {
    ObjectNode problem = reply.body().deepCopy();
    problem.remove("requestId");
    problem.put("instance", problem.path("instance").asText().replace(runId, "{id}"));
    problem.put("detail", problem.path("detail").asText().replace(runId, "{id}"));
    return problem;
  }

  private static long sum(List<JsonNode> runs, String pointer) {
    return runs.stream().mapToLong(run -> run.at(pointer).asLong()).sum();
  }

  private static String id(JsonNode run) {
    return run.path("id").asText();
  }
}
