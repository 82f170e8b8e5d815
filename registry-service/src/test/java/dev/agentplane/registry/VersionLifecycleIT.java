package dev.agentplane.registry;

import static dev.agentplane.registry.Specs.createBody;
import static dev.agentplane.registry.Specs.specBody;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.ApprovalOutcome;
import dev.agentplane.contracts.ApprovalRequested;
import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionActivated;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionArchived;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionDrafted;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionReviewRejected;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionSubmittedForReview;
import dev.agentplane.contracts.Topics;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.TestKafka;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VersionLifecycleIT extends RegistryTestSupport {

  private final EventTap events =
      new EventTap(Topics.REGISTRY_LIFECYCLE, Topics.APPROVALS_REQUESTED);

  @AfterAll
  void closeTap() {
    events.close();
  }

  @Test
  void creatingAToolMakesVersionOneADraftAndSaysSoOnKafka() {
    String tenant = newTenant();
    Reply created =
        api().post("/v1/tools", user(tenant, "builder"), createBody("echo", Specs.aTool()));

    assertThat(created.status()).isEqualTo(201);
    assertThat(created.body().path("version").asInt()).isEqualTo(1);
    assertThat(created.body().path("status").asText()).isEqualTo("draft");
    assertThat(created.body().path("specHash").asText()).startsWith("sha256:");
    assertThat(created.header("ETag")).contains(created.body().path("etag").asText());
    String id = created.body().path("resourceId").asText();
    assertThat(created.header("Location")).contains("/v1/tools/" + id);

    VersionDrafted drafted =
        events.await(VersionDrafted.class, e -> e.resourceId().toString().equals(id));
    assertThat(drafted.tenantId()).isEqualTo(tenant);
    assertThat(drafted.version()).isEqualTo(1);
    assertThat(drafted.specHash()).isEqualTo(created.body().path("specHash").asText());
  }

  @Test
  void theSameSpecHashesTheSameWhateverItsKeyOrder() {
    String tenant = newTenant();
    ObjectNode reordered = ServiceApi.JSON.createObjectNode();
    List<String> keys =
        List.of("approval", "risk", "inputSchema", "builtin", "type", "description");
    ObjectNode original = Specs.aTool();
    keys.forEach(key -> reordered.set(key, original.get(key)));

    String a = create(tenant, "tools", "first", original).path("specHash").asText();
    String b = create(tenant, "tools", "second", reordered).path("specHash").asText();

    assertThat(a).isEqualTo(b);
  }

  @Test
  void aDuplicateNameIsAConflict() {
    String tenant = newTenant();
    create(tenant, "tools", "echo", Specs.aTool());

    Reply again =
        api().post("/v1/tools", user(tenant, "builder"), createBody("echo", Specs.aTool()));

    assertThat(again.status()).isEqualTo(409);
    assertThat(again.problemSlug()).isEqualTo("name-taken");
  }

  @Test
  void updatingADraftNeedsItsCurrentETag() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    JsonNode v1 = create(tenant, "tools", "echo", Specs.aTool());
    String path = versionPath("tools", v1, 1);
    ObjectNode changed = Specs.aTool().put("description", "Echoes, politely");

    Reply withoutIfMatch = api().put(path, builder, specBody(changed), Map.of());
    assertThat(withoutIfMatch.status()).isEqualTo(428);

    Reply stale = api().put(path, builder, specBody(changed), Map.of("If-Match", "\"nope\""));
    assertThat(stale.status()).isEqualTo(412);

    String etag = api().get(path, builder).header("ETag").orElseThrow();
    Reply updated = api().put(path, builder, specBody(changed), Map.of("If-Match", etag));
    assertThat(updated.status()).isEqualTo(200);
    assertThat(updated.body().path("spec").path("description").asText())
        .isEqualTo("Echoes, politely");
    assertThat(updated.header("ETag")).isPresent().get().isNotEqualTo(etag);

    Reply replayed = api().put(path, builder, specBody(Specs.aTool()), Map.of("If-Match", etag));
    assertThat(replayed.status()).isEqualTo(412);
  }

  @Test
  void promotingALowRiskToolActivatesItAtOnceAndArchivesThePreviousActive() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    JsonNode v1 = create(tenant, "tools", "echo", Specs.aTool());
    String id = v1.path("resourceId").asText();

    Reply first = api().post(versionPath("tools", v1, 1) + ":promote", builder, null);
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.body().path("outcome").asText()).isEqualTo("activated");
    assertThat(first.body().path("version").path("status").asText()).isEqualTo("active");

    Reply v2 =
        api()
            .post(
                "/v1/tools/" + id + "/versions",
                builder,
                specBody(Specs.aTool().put("description", "v2")));
    assertThat(v2.status()).isEqualTo(201);
    assertThat(v2.body().path("version").asInt()).isEqualTo(2);
    Reply second = api().post(versionPath("tools", v1, 2) + ":promote", builder, null);
    assertThat(second.body().path("outcome").asText()).isEqualTo("activated");

    assertThat(status(builder, "tools", v1, 1)).isEqualTo("archived");
    assertThat(status(builder, "tools", v1, 2)).isEqualTo("active");
    JsonNode resource = api().get("/v1/tools/" + id, builder).body();
    assertThat(resource.path("activeVersion").asInt()).isEqualTo(2);
    assertThat(resource.path("versions").size()).isEqualTo(2);

    VersionActivated activated =
        events.await(
            VersionActivated.class, e -> e.resourceId().toString().equals(id) && e.version() == 2);
    assertThat(activated.previousActiveVersion()).isEqualTo(1);
    events.await(
        VersionArchived.class, e -> e.resourceId().toString().equals(id) && e.version() == 1);
  }

  @Test
  void onlyDraftsChange() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    JsonNode v1 = create(tenant, "tools", "echo", Specs.aTool());
    String path = versionPath("tools", v1, 1);
    api().post(path + ":promote", builder, null);
    String etag = api().get(path, builder).header("ETag").orElseThrow();

    Reply edit = api().put(path, builder, specBody(Specs.aTool()), Map.of("If-Match", etag));

    assertThat(edit.status()).isEqualTo(409);
    assertThat(edit.problemSlug()).isEqualTo("version-immutable");
    Reply promoteAgain = api().post(path + ":promote", builder, null);
    assertThat(promoteAgain.status()).isEqualTo(409);
    assertThat(promoteAgain.problemSlug()).isEqualTo("version-not-draft");
  }

  @Test
  void archivedIsTerminalAndAnyVersionCanBeClonedIntoANewDraft() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    String admin = user(tenant, "admin");
    JsonNode v1 = create(tenant, "tools", "echo", Specs.aTool().put("description", "the original"));
    String id = v1.path("resourceId").asText();
    String path = versionPath("tools", v1, 1);

    Reply archived = api().post(path + ":archive", admin, null);
    assertThat(archived.status()).isEqualTo(200);
    assertThat(archived.body().path("status").asText()).isEqualTo("archived");
    assertThat(archived.body().path("archivedBy").asText()).isNotBlank();
    assertThat(api().post(path + ":promote", builder, null).status()).isEqualTo(409);
    assertThat(api().post(path + ":archive", admin, null).problemSlug())
        .isEqualTo("version-archived");

    Reply clone = api().post("/v1/tools/" + id + "/versions", builder, "{\"from\": 1}");
    assertThat(clone.status()).isEqualTo(201);
    assertThat(clone.body().path("version").asInt()).isEqualTo(2);
    assertThat(clone.body().path("status").asText()).isEqualTo("draft");
    assertThat(clone.body().path("clonedFrom").asInt()).isEqualTo(1);
    assertThat(clone.body().path("spec").path("description").asText()).isEqualTo("the original");
  }

  @Test
  void archivingTheWholeResourceArchivesEveryVersionAndStopsNewDrafts() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    String admin = user(tenant, "admin");
    JsonNode v1 = create(tenant, "tools", "echo", Specs.aTool());
    String id = v1.path("resourceId").asText();
    api().post(versionPath("tools", v1, 1) + ":promote", builder, null);
    api().post("/v1/tools/" + id + "/versions", builder, specBody(Specs.aTool()));

    Reply archived = api().post("/v1/tools/" + id + ":archive", admin, null);

    assertThat(archived.status()).isEqualTo(200);
    assertThat(archived.body().path("archivedAt").asText()).isNotBlank();
    assertThat(archived.body().path("versions").findValuesAsText("status"))
        .containsOnly("archived");
    Reply draft = api().post("/v1/tools/" + id + "/versions", builder, specBody(Specs.aTool()));
    assertThat(draft.status()).isEqualTo(409);
    assertThat(draft.problemSlug()).isEqualTo("resource-archived");
    assertThat(api().post("/v1/tools/" + id + ":archive", admin, null).status()).isEqualTo(200);
  }

  @Test
  void promotingAHighRiskToolWaitsForReviewAndApprovalActivatesItExactlyOnce() throws Exception {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    JsonNode v1 = create(tenant, "tools", "refund", Specs.aHighRiskHttpTool());
    String id = v1.path("resourceId").asText();

    Reply promoted = api().post(versionPath("tools", v1, 1) + ":promote", builder, null);

    assertThat(promoted.status()).isEqualTo(200);
    assertThat(promoted.body().path("outcome").asText()).isEqualTo("pending_approval");
    assertThat(promoted.body().path("reviewReasons").toString()).contains("high risk");
    UUID approvalId = UUID.fromString(promoted.body().path("approvalId").asText());
    ApprovalRequested request =
        events.await(ApprovalRequested.class, e -> approvalId.equals(e.approvalId()));
    assertThat(request.kind()).isEqualTo(ApprovalKind.PROMOTION);
    assertThat(request.tenantId()).isEqualTo(tenant);
    assertThat(request.subject().resourceId().toString()).isEqualTo(id);
    assertThat(request.policy().excludeRequester()).isTrue();
    assertThat(request.context().path("diff").isArray()).isTrue();
    assertThat(request.context().path("diff").toString()).contains("/http");
    events.await(VersionSubmittedForReview.class, e -> e.resourceId().toString().equals(id));
    assertThat(status(builder, "tools", v1, 1)).isEqualTo("pending_approval");
    String etag = api().get(versionPath("tools", v1, 1), builder).header("ETag").orElseThrow();
    assertThat(
            api()
                .put(
                    versionPath("tools", v1, 1),
                    builder,
                    specBody(Specs.aHighRiskHttpTool()),
                    Map.of("If-Match", etag))
                .problemSlug())
        .isEqualTo("version-immutable");

    ApprovalDecided approved = decision(tenant, request, ApprovalOutcome.APPROVED, null);
    publish(approved);
    publish(approved);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> status(builder, "tools", v1, 1).equals("active"));

    // Redelivery and a late contrary decision change nothing. The topic has one partition, so
    // once a later decision about another tool took effect, these were consumed before it.
    publish(decision(tenant, request, ApprovalOutcome.REJECTED, "too late"));
    JsonNode other = create(tenant, "tools", "refund-two", Specs.aHighRiskHttpTool());
    ApprovalRequested otherReview = promoteForReview(builder, other);
    publish(decision(tenant, otherReview, ApprovalOutcome.APPROVED, null));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> status(builder, "tools", other, 1).equals("active"));

    assertThat(status(builder, "tools", v1, 1)).isEqualTo("active");
    assertThat(events.all(VersionActivated.class, e -> e.resourceId().toString().equals(id)))
        .hasSize(1);
    assertThat(events.all(VersionReviewRejected.class, e -> e.resourceId().toString().equals(id)))
        .isEmpty();
  }

  @Test
  void aRejectedReviewReturnsTheVersionToDraftWithTheReason() throws Exception {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    JsonNode v1 = create(tenant, "tools", "refund", Specs.aHighRiskHttpTool());
    String id = v1.path("resourceId").asText();
    ApprovalRequested request = promoteForReview(builder, v1);

    publish(decision(tenant, request, ApprovalOutcome.REJECTED, "refunds need a limit"));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> status(builder, "tools", v1, 1).equals("draft"));
    JsonNode version = api().get(versionPath("tools", v1, 1), builder).body();
    assertThat(version.path("reviewReason").asText()).isEqualTo("refunds need a limit");
    VersionReviewRejected rejected =
        events.await(VersionReviewRejected.class, e -> e.resourceId().toString().equals(id));
    assertThat(rejected.reason()).isEqualTo("refunds need a limit");
    assertThat(rejected.actor()).isEqualTo("alice");
  }

  @Test
  void anAssistantUsingOnlyLowRiskToolsActivatesButAnOrchestratorWaitsForReview() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    JsonNode tool = create(tenant, "tools", "echo", Specs.aTool());
    api().post(versionPath("tools", tool, 1) + ":promote", builder, null);

    JsonNode assistant = create(tenant, "agents", "helper", Specs.anAssistant("echo"));
    Reply assistantPromotion =
        api().post(versionPath("agents", assistant, 1) + ":promote", builder, null);
    assertThat(assistantPromotion.body().path("outcome").asText()).isEqualTo("activated");

    JsonNode orchestrator =
        create(tenant, "agents", "planner", Specs.anAssistant("echo").put("kind", "orchestrator"));
    Reply orchestratorPromotion =
        api().post(versionPath("agents", orchestrator, 1) + ":promote", builder, null);
    assertThat(orchestratorPromotion.body().path("outcome").asText()).isEqualTo("pending_approval");
    assertThat(orchestratorPromotion.body().path("reviewReasons").toString())
        .contains("orchestrator");
  }

  @Test
  void anAgentUsingAHighRiskToolWaitsForReview() throws Exception {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    JsonNode tool = create(tenant, "tools", "refund", Specs.aHighRiskHttpTool());
    ApprovalRequested review = promoteForReview(builder, tool);
    publish(decision(tenant, review, ApprovalOutcome.APPROVED, null));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> status(builder, "tools", tool, 1).equals("active"));

    JsonNode agent = create(tenant, "agents", "refunder", Specs.anAssistant("refund"));
    Reply promotion = api().post(versionPath("agents", agent, 1) + ":promote", builder, null);

    assertThat(promotion.body().path("outcome").asText()).isEqualTo("pending_approval");
    assertThat(promotion.body().path("reviewReasons").toString()).contains("refund");
  }

  @Test
  void concurrentPromotionsOfTwoVersionsLeaveExactlyOneActive() throws Exception {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    JsonNode v1 = create(tenant, "tools", "echo", Specs.aTool());
    String id = v1.path("resourceId").asText();
    api()
        .post(
            "/v1/tools/" + id + "/versions",
            builder,
            specBody(Specs.aTool().put("description", "v2")));

    for (int round = 0; round < 3; round++) {
      int a = 2 * round + 1;
      int b = 2 * round + 2;
      if (round > 0) {
        api().post("/v1/tools/" + id + "/versions", builder, "{\"from\": 1}");
        api().post("/v1/tools/" + id + "/versions", builder, "{\"from\": 1}");
      }
      CyclicBarrier start = new CyclicBarrier(2);
      CompletableFuture<Reply> first =
          CompletableFuture.supplyAsync(() -> promoteAfter(start, builder, v1, a));
      CompletableFuture<Reply> second =
          CompletableFuture.supplyAsync(() -> promoteAfter(start, builder, v1, b));

      assertThat(List.of(first.get().status(), second.get().status())).containsOnly(200);
      JsonNode resource = api().get("/v1/tools/" + id, builder).body();
      assertThat(resource.path("versions").findValuesAsText("status"))
          .filteredOn("active"::equals)
          .hasSize(1);
    }
  }

  @Test
  void listingPagesThroughATenantsToolsInNameOrderWithFilters() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    for (String name : List.of("delta", "alpha", "charlie", "bravo", "echo")) {
      create(tenant, "tools", name, Specs.aTool());
    }
    JsonNode bravo = api().get("/v1/tools?name=bravo", builder).body().path("items").get(0);
    api().post("/v1/tools/" + bravo.path("id").asText() + "/versions/1:promote", builder, null);

    JsonNode page1 = api().get("/v1/tools?limit=2", builder).body();
    assertThat(page1.path("items").findValuesAsText("name")).containsExactly("alpha", "bravo");
    JsonNode page2 =
        api().get("/v1/tools?limit=2&cursor=" + page1.path("nextCursor").asText(), builder).body();
    assertThat(page2.path("items").findValuesAsText("name")).containsExactly("charlie", "delta");
    JsonNode page3 =
        api().get("/v1/tools?limit=2&cursor=" + page2.path("nextCursor").asText(), builder).body();
    assertThat(page3.path("items").findValuesAsText("name")).containsExactly("echo");
    assertThat(page3.has("nextCursor")).isFalse();

    JsonNode active = api().get("/v1/tools?status=active", builder).body();
    assertThat(active.path("items").findValuesAsText("name")).containsExactly("bravo");
    assertThat(active.path("items").get(0).path("activeVersion").asInt()).isEqualTo(1);
    assertThat(api().get("/v1/tools?status=live", builder).status()).isEqualTo(400);
    assertThat(api().get("/v1/tools?limit=0", builder).status()).isEqualTo(400);
  }

  /** Promotes v1 of a tool that needs review; the approval request it raised on Kafka. */
  private ApprovalRequested promoteForReview(String builder, JsonNode tool) {
    Reply promoted = api().post(versionPath("tools", tool, 1) + ":promote", builder, null);
    assertThat(promoted.body().path("outcome").asText())
        .as(promoted.raw())
        .isEqualTo("pending_approval");
    UUID approvalId = UUID.fromString(promoted.body().path("approvalId").asText());
    return events.await(ApprovalRequested.class, e -> approvalId.equals(e.approvalId()));
  }

  private Reply promoteAfter(CyclicBarrier start, String builder, JsonNode v1, int number) {
    try {
      start.await();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return api().post(versionPath("tools", v1, number) + ":promote", builder, null);
  }

  private JsonNode create(String tenant, String kind, String name, JsonNode spec) {
    Reply created = api().post("/v1/" + kind, user(tenant, "builder"), createBody(name, spec));
    assertThat(created.status()).as(created.raw()).isEqualTo(201);
    return created.body();
  }

  private static String versionPath(String kind, JsonNode version, int number) {
    return "/v1/" + kind + "/" + version.path("resourceId").asText() + "/versions/" + number;
  }

  private String status(String token, String kind, JsonNode version, int number) {
    return api().get(versionPath(kind, version, number), token).body().path("status").asText();
  }

  private static ApprovalDecided decision(
      String tenant, ApprovalRequested request, ApprovalOutcome outcome, String reason) {
    return new ApprovalDecided(
        UUID.randomUUID(),
        Instant.now(),
        1,
        tenant,
        request.approvalId(),
        ApprovalKind.PROMOTION,
        request.subject(),
        outcome,
        null,
        null,
        reason,
        List.of("alice"),
        Instant.now());
  }

  /** Plays the approval service: publishes a decision (again, when called twice). */
  private static void publish(ApprovalDecided decision) throws Exception {
    try (KafkaProducer<String, byte[]> producer = TestKafka.get().newProducer()) {
      producer
          .send(
              EventEnvelope.toKafkaRecord(
                  decision, URI.create("urn:agentplane:test-approver"), decision.aggregateId()))
          .get();
    }
  }
}
