package dev.agentplane.acceptance;

import static dev.agentplane.testkit.SpecJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.acceptance.RunEventConsumer.ReceivedEvent;
import dev.agentplane.acceptance.WebhookReceiver.Delivery;
import dev.agentplane.testkit.CountingToolServer;
import dev.agentplane.testkit.CountingToolServer.Effect;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.SseStream;
import dev.agentplane.testkit.SseStream.SseEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A first-time user's journey, told from outside the product: everything goes through the gateway,
 * Kafka is read as an outside consumer reads it, and the tenant's integrations are webhooks on
 * loopback. Read {@link Journey#walk()} top to bottom as a tutorial.
 *
 * <p>Two tenants walk it at the same time and neither ever sees the other.
 */
@ExtendWith(PlatformLogsOnFailure.class)
class JourneyIT {

  private static final Duration SOON = Duration.ofSeconds(60);

  private final Platform platform = Platform.get();

  @Test
  void twoTenantsEachTakeAnAgentFromDraftToAnApprovedProductionRunWithoutSeeingEachOther() {
    CompletableFuture<Journey> acme =
        CompletableFuture.supplyAsync(() -> new Journey(Tenant.named("acme")).walk());
    CompletableFuture<Journey> globex =
        CompletableFuture.supplyAsync(() -> new Journey(Tenant.named("globex")).walk());

    Journey first = acme.join();
    Journey second = globex.join();
    first.seesNothingOf(second);
    second.seesNothingOf(first);
  }

  /** One tenant's way from nothing to a production run that a human approved with edits. */
  private final class Journey {

    private static final String AGENT = "credit-assistant";
    private static final String CRM_TOOL = "crm-credit";

    private final Tenant tenant;
    private final ServiceApi gateway = platform.gateway();
    private final Registry registry = new Registry(platform);
    private final Approvals approvals = new Approvals(platform);
    private final Runs runs = new Runs(platform);
    private final CountingToolServer crm = CountingToolServer.start();
    private final WebhookReceiver inbox = WebhookReceiver.start();
    private final String crmApiKey;
    private String webhookSecret;
    private String decisionSecret;
    private String agentId;
    private String debugRunId;
    private String productionRunId;

    Journey(Tenant tenant) {
      this.tenant = tenant;
      this.crmApiKey = "crm-key-of-" + tenant.id();
      // The CRM answers only callers that present the tenant's key: a call made with no key, or
      // with another tenant's, has no effect.
      crm.requireHeader("Authorization", "Bearer " + crmApiKey);
    }

    Journey walk() {
      try (crm;
          inbox) {
        adminConnectsTheTenantsSystems();
        adminRegistersABuiltinToolAndAnHttpToolThatNeedsTheSecret();
        builderDraftsAnAgentAndFixesWhatValidationPointsAt();
        builderWatchesADebugRunOfTheDraftStreamLive();
        builderAsksForPromotionAndAnotherPersonApproves();
        operatorStartsAProductionRunWhoseCrmCallWaitsForAHuman();
        theDecisionComesBackAsASignedWebhookWithEditedArguments();
        theRunCompletesWithTheEditedCallAndEveryoneHeardAboutIt();
      }
      return this;
    }

    /**
     * The admin stores the CRM's API key as a secret (never shown again), subscribes the tenant's
     * webhook endpoint to approval notices, and makes the secret with which the tenant's chat
     * integration signs the decisions it sends back.
     */
    private void adminConnectsTheTenantsSystems() {
      registry.putSecret(tenant.admin(), "CRM_API_KEY", crmApiKey);
      Reply secrets = gateway.get("/v1/secrets", tenant.admin());
      assertThat(secrets.status()).as(secrets.raw()).isEqualTo(200);
      assertThat(secrets.raw()).contains("CRM_API_KEY").doesNotContain(crmApiKey);

      webhookSecret =
          approvals.subscribe(
              tenant.admin(), inbox.url(), "approval.requested", "approval.decided");
      decisionSecret = approvals.inboundSecret(tenant.admin());
    }

    /**
     * A builtin calculator (low risk: active at once) and an HTTP tool that credits a customer in
     * the CRM with the key in a header. Crediting money is high risk: activating the tool needs a
     * reviewer, and every call of it will wait for a human.
     */
    private void adminRegistersABuiltinToolAndAnHttpToolThatNeedsTheSecret() {
      String calculator =
          registry.draft(
              "tools",
              tenant.admin(),
              "calculator",
              json(
                  "{'description':'Arithmetic','type':'builtin','builtin':{'name':'calculator'},"
                      + "'inputSchema':{'type':'object','properties':{'expression':"
                      + "{'type':'string'}},'required':['expression']},"
                      + "'risk':'low','approval':'never'}"));
      Reply calculatorPromoted = registry.promote("tools", tenant.admin(), calculator, 1);
      assertThat(calculatorPromoted.body().path("outcome").asText())
          .as(calculatorPromoted.raw())
          .isEqualTo("activated");

      JsonNode crmSpec =
          json(
              "{'description':'Credits a customer account','type':'http','http':{"
                  + "'method':'POST','url':'"
                  + crm.url("/customers/{customer}/credits")
                  + "','headers':{'Authorization':'Bearer {{secret:CRM_API_KEY}}'},"
                  + "'timeoutMs':10000,'idempotent':true},"
                  + "'inputSchema':{'type':'object','properties':{"
                  + "'customer':{'type':'string'},'amount':{'type':'number','maximum':1000}},"
                  + "'required':['customer','amount'],'additionalProperties':false},"
                  + "'risk':'high','approval':'always'}");
      ((ObjectNode) crmSpec.path("http")).put("body", "{\"amount\": {amount}}");
      String crmTool = registry.draft("tools", tenant.admin(), CRM_TOOL, crmSpec);
      Reply crmPromoted = registry.promote("tools", tenant.admin(), crmTool, 1);
      assertThat(crmPromoted.body().path("outcome").asText())
          .as(crmPromoted.raw())
          .isEqualTo("pending_approval");
      String review = crmPromoted.body().path("approvalId").asText();
      approvals.awaitRequest(tenant.approver(), review);
      approvals.decide(tenant.approver(), review, "{\"decision\":\"approve\"}");
      registry.awaitStatus("tools", tenant.admin(), crmTool, 1, "active");
    }

    /**
     * The builder's first draft has two mistakes; validation names each with a JSON pointer and a
     * code, the builder fixes exactly those and the draft validates.
     */
    private void builderDraftsAnAgentAndFixesWhatValidationPointsAt() {
      agentId = registry.draft("agents", tenant.builder(), AGENT, agentSpec("crm-credits", 500));

      JsonNode report = registry.validate("agents", tenant.builder(), agentId, 1);
      assertThat(report.path("valid").asBoolean()).as(report.toString()).isFalse();
      assertThat(pointersAndCodes(report.path("errors")))
          .as(report.toString())
          .contains(
              "/tools/1/name agent.tool.not-found",
              "/policy/maxSteps agent.policy.max-steps-exceeded");
      Reply refused = registry.promote("agents", tenant.builder(), agentId, 1);
      assertThat(refused.status()).as(refused.raw()).isEqualTo(422);

      registry.replaceDraft("agents", tenant.builder(), agentId, 1, agentSpec(CRM_TOOL, 10));
      JsonNode fixed = registry.validate("agents", tenant.builder(), agentId, 1);
      assertThat(fixed.path("valid").asBoolean()).as(fixed.toString()).isTrue();
    }

    /**
     * A debug run executes the draft; the builder watches its events arrive live over SSE: the
     * model's streamed text, the calculator's lifecycle, and the CRM call stopping at its gate. The
     * approver refuses to let a debug run credit a real customer; the refusal goes back to the
     * model, which answers with it.
     */
    private void builderWatchesADebugRunOfTheDraftStreamLive() {
      debugRunId =
          runs.start(
              tenant.builder(),
              "{\"agent\":\"" + AGENT + "\",\"mode\":\"debug\",\"input\":" + input() + "}");
      try (SseStream live = runs.watch(tenant.builder(), debugRunId, null)) {
        assertThat(live.status()).isEqualTo(200);
        assertThat(live.contentType()).startsWith("text/event-stream");
        SseEvent gate = live.nextNamed("tool.approval_requested", SOON);
        assertThat(gate.path("toolName").asText()).isEqualTo(CRM_TOOL);
        assertThat(names(live.received()))
            .containsSubsequence(
                "run.queued",
                "run.started",
                "step.started",
                "model.completed",
                "tool.started",
                "tool.succeeded",
                "model.completed",
                "tool.approval_requested");
        SseEvent calculated = named(live.received(), "tool.succeeded");
        assertThat(calculated.path("toolName").asText()).isEqualTo("calculator");

        JsonNode request =
            approvals.awaitRequest(tenant.approver(), gate.path("approvalId").asText());
        assertThat(request.path("requestedBy").path("subject").asText()).isEqualTo("bill");
        approvals.decide(
            tenant.approver(),
            request.path("id").asText(),
            "{\"decision\":\"reject\",\"reason\":\"Not from a debug run\"}");

        List<SseEvent> all = live.untilEnd(SOON);
        Runs.assertGapFree(all);
        assertThat(names(all)).contains("model.delta").endsWith("run.succeeded");
        SseEvent refusal = named(all, "tool.failed");
        assertThat(refusal.path("errorCode").asText()).isEqualTo("approval_rejected");
        assertThat(refusal.data().toString()).contains("Not from a debug run");
      }
      JsonNode debugRun = runs.get(tenant.builder(), debugRunId);
      assertThat(debugRun.path("mode").asText()).isEqualTo("debug");
      assertThat(debugRun.path("output").asText()).contains("Not from a debug run");
      assertThat(crm.requests()).as("nothing reached the CRM from the debug run").isEmpty();
    }

    /**
     * Promotion needs a review because the agent uses a high-risk tool. The builder cannot approve
     * it; the tenant's approver does, and the version becomes active.
     */
    private void builderAsksForPromotionAndAnotherPersonApproves() {
      Reply promoted = registry.promote("agents", tenant.builder(), agentId, 1);
      assertThat(promoted.status()).as(promoted.raw()).isEqualTo(200);
      assertThat(promoted.body().path("outcome").asText()).isEqualTo("pending_approval");
      assertThat(promoted.body().path("reviewReasons").toString()).contains(CRM_TOOL);
      String review = promoted.body().path("approvalId").asText();
      approvals.awaitRequest(tenant.approver(), review);

      Reply selfApproval =
          gateway.post(
              "/v1/approvals/" + review + "/decisions",
              tenant.builder(),
              "{\"decision\":\"approve\"}");
      assertThat(selfApproval.status()).as(selfApproval.raw()).isEqualTo(403);

      approvals.decide(tenant.approver(), review, "{\"decision\":\"approve\"}");
      registry.awaitStatus("agents", tenant.builder(), agentId, 1, "active");
    }

    /**
     * The operator runs the active version. The model asks to credit 36; the call waits, and the
     * tenant's webhook endpoint hears about it in a message signed with the tenant's secret.
     */
    private void operatorStartsAProductionRunWhoseCrmCallWaitsForAHuman() {
      productionRunId =
          runs.start(tenant.operator(), "{\"agent\":\"" + AGENT + "\",\"input\":" + input() + "}");
      runs.awaitStatus(tenant.operator(), productionRunId, "waiting_approval");

      Delivery announced = inbox.awaitDelivery("approval.requested", productionRunId, SOON);
      assertThat(announced.signedWith(webhookSecret))
          .as("signed with the tenant's secret")
          .isTrue();
      JsonNode request = announced.json().path("data");
      assertThat(request.path("kind").asText()).isEqualTo("tool_call");
      assertThat(request.path("context").path("arguments"))
          .isEqualTo(json("{'customer':'c-42','amount':36}"));
      assertThat(crm.requests()).as("nothing reached the CRM before a human decided").isEmpty();
    }

    /**
     * The approver decides in the tenant's chat tool, which posts the decision back as a signed
     * webhook (no JWT): approved, with the amount capped at 30.
     */
    private void theDecisionComesBackAsASignedWebhookWithEditedArguments() {
      String approvalId =
          inbox
              .awaitDelivery("approval.requested", productionRunId, SOON)
              .json()
              .path("data")
              .path("id")
              .asText();
      String decision =
          "{\"approvalId\":\""
              + approvalId
              + "\",\"approver\":{\"subject\":\"ann@chat\",\"roles\":[\"approver\"]},"
              + "\"decision\":\"approve\",\"reason\":\"Capped at 30\","
              + "\"editedArguments\":{\"customer\":\"c-42\",\"amount\":30}}";
      Reply decided =
          approvals.signedDecision(tenant.id(), decisionSecret, Approvals.newMessageId(), decision);
      assertThat(decided.status()).as(decided.raw()).isEqualTo(200);
      assertThat(decided.body().path("status").asText()).isEqualTo("approved");
      assertThat(decided.body().path("finalArguments"))
          .isEqualTo(json("{'customer':'c-42','amount':30}"));
    }

    /**
     * The run resumes and makes the call with the edited arguments and the tenant's key, once. Its
     * events show the edit; usage is recorded; the webhook endpoint hears the decision; an outside
     * Kafka consumer received every event of the run, in order.
     */
    private void theRunCompletesWithTheEditedCallAndEveryoneHeardAboutIt() {
      JsonNode run = runs.awaitEnd(tenant.operator(), productionRunId);
      assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("succeeded");
      assertThat(run.path("mode").asText()).isEqualTo("production");
      assertThat(run.path("usage").path("totalTokens").asLong()).isPositive();

      List<Effect> credits = crm.effects();
      assertThat(credits).as("one credit, made with the tenant's key").hasSize(1);
      assertThat(credits.getFirst().path()).isEqualTo("/customers/c-42/credits");
      assertThat(credits.getFirst().bodyJson()).isEqualTo(json("{'amount':30}"));
      assertThat(credits.getFirst().idempotencyKey()).startsWith(productionRunId + ":");

      List<SseEvent> history = runs.history(tenant.operator(), productionRunId);
      Runs.assertGapFree(history);
      SseEvent decided = named(history, "tool.approval_decided");
      assertThat(decided.path("outcome").asText()).isEqualTo("APPROVED");
      assertThat(decided.path("decidedBy").toString()).contains("ann@chat");
      assertThat(decided.path("argumentsDiff").toString()).contains("/amount");
      SseEvent called =
          history.stream()
              .filter(event -> event.name().equals("tool.started"))
              .filter(event -> event.path("toolName").asText().equals(CRM_TOOL))
              .findFirst()
              .orElseThrow();
      assertThat(called.path("arguments")).isEqualTo(json("{'customer':'c-42','amount':30}"));
      assertThat(history.toString()).doesNotContain(crmApiKey);

      Reply usage = gateway.get("/v1/usage", tenant.operator());
      assertThat(usage.status()).as(usage.raw()).isEqualTo(200);
      assertThat(usage.body().path("runs").asLong()).isEqualTo(2);
      assertThat(usage.body().path("totalTokens").asLong())
          .isGreaterThanOrEqualTo(run.path("usage").path("totalTokens").asLong());

      Delivery decidedNotice = inbox.awaitDelivery("approval.decided", productionRunId, SOON);
      assertThat(decidedNotice.signedWith(webhookSecret)).isTrue();
      assertThat(decidedNotice.json().path("data").path("finalArguments").path("amount").asInt())
          .isEqualTo(30);

      List<ReceivedEvent> overKafka =
          await("the run's events to reach an outside Kafka consumer")
              .atMost(SOON)
              .pollInterval(Duration.ofMillis(200))
              .until(
                  () -> platform.kafkaRunEvents().eventsOf(productionRunId),
                  events -> events.size() >= history.size());
      assertThat(overKafka.stream().map(ReceivedEvent::sequence).distinct().toList())
          .as("sequences in the order Kafka delivered them")
          .containsExactlyElementsOf(history.stream().map(SseEvent::seq).toList());
      assertThat(overKafka).allSatisfy(event -> assertThat(event.tenant()).isEqualTo(tenant.id()));
      assertThat(overKafka.getLast().type()).isEqualTo("dev.agentplane.run.succeeded");
    }

    /** What this tenant's people can reach of {@code other}'s: nothing. */
    void seesNothingOf(Journey other) {
      for (String path :
          List.of(
              "/v1/runs/" + other.productionRunId,
              "/v1/runs/" + other.productionRunId + "/events",
              "/v1/runs/" + other.debugRunId + "/checkpoints",
              "/v1/agents/" + other.agentId)) {
        Reply reply = gateway.get(path, tenant.admin());
        assertThat(reply.status()).as(path + " " + reply.raw()).isEqualTo(404);
        assertThat(reply.raw()).doesNotContain(other.tenant.id());
      }
      for (String listing : List.of("/v1/runs", "/v1/agents", "/v1/tools", "/v1/approvals")) {
        Reply reply = gateway.get(listing, tenant.admin());
        assertThat(reply.status()).as(listing + " " + reply.raw()).isEqualTo(200);
        assertThat(reply.raw())
            .doesNotContain(other.tenant.id())
            .doesNotContain(other.productionRunId)
            .doesNotContain(other.agentId);
      }
      assertThat(inbox.deliveries())
          .allSatisfy(
              delivery ->
                  assertThat(delivery.body())
                      .doesNotContain(other.productionRunId)
                      .doesNotContain(other.tenant.id()));
      assertThat(platform.kafkaRunEvents().eventsOf(productionRunId))
          .noneMatch(event -> other.tenant.id().equals(event.tenant()));
    }

    private JsonNode agentSpec(String crmToolName, int maxSteps) {
      return json(
          "{'description':'Credits customers for their orders','kind':'assistant',"
              + "'model':{'provider':'builtin','name':'scripted','params':{'script':["
              + "{'toolCalls':[{'tool':'calculator','arguments':"
              + "{'expression':'{{input.quantity}} * 12'}}]},"
              + "{'toolCalls':[{'tool':'"
              + crmToolName
              + "','arguments':{'customer':'{{input.customer}}','amount':'{{last}}'}}]},"
              + "{'answer':'Credit for {{input.customer}}: {{last}}'}]}},"
              + "'instructions':'Credit 12 per item ordered.',"
              + "'tools':[{'name':'calculator','version':'active'},{'name':'"
              + crmToolName
              + "','version':'active'}],"
              + "'inputSchema':{'type':'object','properties':{'customer':{'type':'string'},"
              + "'quantity':{'type':'integer','minimum':1}},'required':['customer','quantity']},"
              + "'policy':{'maxSteps':"
              + maxSteps
              + "}}");
    }

    private static String input() {
      return "{\"customer\":\"c-42\",\"quantity\":3}";
    }
  }

  private static SseEvent named(List<SseEvent> events, String name) {
    return events.stream()
        .filter(event -> event.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("No " + name + " in " + names(events)));
  }

  private static List<String> names(List<SseEvent> events) {
    return events.stream().map(SseEvent::name).toList();
  }

  private static List<String> pointersAndCodes(JsonNode issues) {
    return StreamSupport.stream(issues.spliterator(), false)
        .map(issue -> issue.path("pointer").asText() + " " + issue.path("code").asText())
        .collect(Collectors.toList());
  }
}
