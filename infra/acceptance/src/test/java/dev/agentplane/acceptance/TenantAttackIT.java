package dev.agentplane.acceptance;

import static dev.agentplane.testkit.SpecJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.testkit.CountingToolServer;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.SseStream.SseEvent;
import dev.agentplane.testkit.TestTokens;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The tenant-attack suite: an attacker with full rights in a tenant of its own, and people of that
 * tenant with too few rights, try every way into a victim tenant's agents, tools, secrets, runs,
 * approvals and webhooks, through the gateway only. Each row of the tables below is one attempt and
 * the answer it must get; every answer also goes through one leak check ({@link #assertNoLeak}): no
 * victim data may appear in it beyond what the attacker sent itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(PlatformLogsOnFailure.class)
class TenantAttackIT {

  private static final TestTokens TOKENS = TestTokens.standard();
  private static final String[] ALL_EVENT_TYPES = {
    "approval.requested",
    "approval.decided",
    "approval.expired",
    "approval.reminder",
    "approval.escalated",
    "approval.cancelled"
  };

  private final Platform platform = Platform.get();
  private final ServiceApi gateway = platform.gateway();
  private final Registry registry = new Registry(platform);
  private final Approvals approvals = new Approvals(platform);
  private final Runs runs = new Runs(platform);

  /** Makes the victim's names unique, so finding one in an answer means it leaked. */
  private final String tag = UUID.randomUUID().toString().substring(0, 8);

  private final Tenant victim = Tenant.named("victim");
  private final Tenant attacker = Tenant.named("attacker");

  private WebhookReceiver victimReceiver;
  private WebhookReceiver attackerReceiver;
  private Victim estate;
  private Attacker own;

  /** Everything the victim owns, by id, name or value: none of it may reach the attacker. */
  private record Victim(
      String secretName,
      String secretValue,
      String toolId,
      String toolName,
      String gatedToolId,
      String gatedToolName,
      String draftToolId,
      String draftToolName,
      String agentId,
      String agentName,
      String gatedAgentId,
      String gatedAgentName,
      String draftAgentId,
      String draftAgentName,
      String finishedRunId,
      String output,
      String memo,
      String waitingRunId,
      String approvalId,
      String webhookId,
      String webhookUrl,
      String webhookSecret,
      String deliveryId,
      String inboundSecret) {}

  /** What the attacker's tenant holds of its own, for the same-tenant rows. */
  private record Attacker(
      String secretName,
      String agentId,
      String draftAgentId,
      String ottosRunId,
      String olgasApprovalId,
      String annsApprovalId,
      String inboundSecret,
      String actionLinkPath,
      String webhookId) {}

  @BeforeAll
  void setUpBothTenants() {
    victimReceiver = WebhookReceiver.start();
    attackerReceiver = WebhookReceiver.start();
    estate = furnishVictim();
    own = furnishAttacker();
  }

  @AfterAll
  void stopReceivers() {
    // Unsubscribed first, so no delivery keeps retrying at a closed port for the suite's rest.
    if (estate != null) {
      gateway.delete("/v1/webhooks/" + estate.webhookId, victim.admin());
    }
    if (own != null) {
      gateway.delete("/v1/webhooks/" + own.webhookId, attacker.admin());
    }
    victimReceiver.close();
    attackerReceiver.close();
  }

  private Victim furnishVictim() {
    String secretName = "VAULT_" + tag.toUpperCase(Locale.ROOT);
    String secretValue = "victim-secret-value-" + UUID.randomUUID();
    registry.putSecret(victim.admin(), secretName, secretValue);

    String toolName = "ledger-" + tag;
    String toolId = registry.active(victim, "tools", toolName, echoTool("'never'"));
    String gatedToolName = "wire-" + tag;
    String gatedToolId = registry.active(victim, "tools", gatedToolName, echoTool("'always'"));
    String draftToolName = "draft-tool-" + tag;
    String draftToolId =
        registry.draft("tools", victim.builder(), draftToolName, echoTool("'never'"));

    String output = "victim-output-" + tag;
    String memo = "victim-memo-" + tag;
    String agentName = "teller-" + tag;
    String agentId =
        registry.active(
            victim, "agents", agentName, callingAgent(toolName, "{'memo':'" + memo + "'}", output));
    String gatedAgentName = "vault-" + tag;
    String gatedAgentId =
        registry.active(
            victim,
            "agents",
            gatedAgentName,
            callingAgent(gatedToolName, "{'memo':'" + memo + "'}", output));
    String draftAgentName = "draft-agent-" + tag;
    String draftAgentId =
        registry.draft("agents", victim.builder(), draftAgentName, answeringAgent(output));

    // Subscribed before the gated run, so its approval request leaves a delivery in the log.
    String webhookSecret =
        approvals.subscribe(victim.admin(), victimReceiver.url(), ALL_EVENT_TYPES);
    String webhookId = onlyWebhookId(victim.admin());
    String inboundSecret = approvals.inboundSecret(victim.admin());

    String finishedRunId = runs.start(victim.operator(), runOf(agentId));
    runs.awaitStatus(victim.operator(), finishedRunId, "succeeded");
    String waitingRunId = runs.start(victim.operator(), runOf(gatedAgentId));
    String approvalId =
        approvals.awaitPendingToolCall(victim.approver(), waitingRunId).path("id").asText();
    runs.awaitStatus(victim.operator(), waitingRunId, "waiting_approval");
    String deliveryId =
        await("a delivery in the victim's webhook log")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    gateway
                        .get("/v1/webhooks/" + webhookId + "/deliveries", victim.admin())
                        .body()
                        .path("items"),
                items -> items.size() > 0)
            .get(0)
            .path("id")
            .asText();
    return new Victim(
        secretName,
        secretValue,
        toolId,
        toolName,
        gatedToolId,
        gatedToolName,
        draftToolId,
        draftToolName,
        agentId,
        agentName,
        gatedAgentId,
        gatedAgentName,
        draftAgentId,
        draftAgentName,
        finishedRunId,
        output,
        memo,
        waitingRunId,
        approvalId,
        webhookId,
        victimReceiver.url(),
        webhookSecret,
        deliveryId,
        inboundSecret);
  }

  private Attacker furnishAttacker() {
    registry.putSecret(attacker.admin(), "ATTACKER_KEY", "attacker-value");
    String agentId = registry.active(attacker, "agents", "atk-answer", answeringAgent("hi"));
    registry.active(attacker, "tools", "atk-wire", echoTool("'always'"));
    String gatedAgentId =
        registry.active(attacker, "agents", "atk-wire-agent", callingAgent("atk-wire", "{}", "ok"));
    String draftAgentId =
        registry.draft("agents", attacker.builder(), "atk-draft", answeringAgent("draft"));

    String ottosRunId = runs.start(attacker.operator(), runOf(agentId));
    runs.awaitStatus(attacker.operator(), ottosRunId, "succeeded");
    // Olga is operator and approver: she asks for the approval her own run needs.
    String olgasRunId = runs.start(olga(), runOf(gatedAgentId));
    String olgasApprovalId =
        approvals.awaitPendingToolCall(attacker.approver(), olgasRunId).path("id").asText();
    Reply opened =
        gateway.post(
            "/v1/approvals",
            attacker.service("deployer", "internal"),
            json("{'title':'Deploy to production','subject':{'reference':'deploy/"
                    + tag
                    + "'},'requestedBy':'ann'}")
                .toString());
    assertThat(opened.status()).as(opened.raw()).isEqualTo(201);

    String inboundSecret = approvals.inboundSecret(attacker.admin());
    Reply links =
        gateway.post(
            "/v1/approvals/" + olgasApprovalId + "/action-links",
            attacker.admin(),
            "{\"approver\":{\"subject\":\"carl\"}}");
    assertThat(links.status()).as(links.raw()).isEqualTo(201);
    approvals.subscribe(attacker.admin(), attackerReceiver.url(), "approval.decided");
    return new Attacker(
        "ATTACKER_KEY",
        agentId,
        draftAgentId,
        ottosRunId,
        olgasApprovalId,
        opened.body().path("id").asText(),
        inboundSecret,
        URI.create(links.body().path("approve").asText()).getPath(),
        onlyWebhookId(attacker.admin()));
  }

  // ---------------------------------------------------------------------------------------------
  // 1. Another tenant's ids are 404, on every endpoint family, for a caller with every right in
  //    its own tenant; listings never show the victim's items.
  // ---------------------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> anotherTenantsAgentsAndToolsAreNotFound() {
    List<Attack> rows = new ArrayList<>();
    for (String kind : List.of("agents", "tools")) {
      String noun = kind.substring(0, kind.length() - 1);
      String active =
          "/v1/" + kind + "/" + (kind.equals("agents") ? estate.agentId : estate.toolId);
      String draft =
          "/v1/" + kind + "/" + (kind.equals("agents") ? estate.draftAgentId : estate.draftToolId);
      Consumer<Reply> activeUnchanged = unchanged(victim.admin(), active);
      Consumer<Reply> draftUnchanged = unchanged(victim.admin(), draft + "/versions/1");
      rows.add(
          attack("another tenant's " + noun + " → 404")
              .as(attacker.admin())
              .get(active)
              .refused(404, "not-found"));
      rows.add(
          attack("another tenant's " + noun + " version → 404")
              .as(attacker.admin())
              .get(active + "/versions/1")
              .refused(404, "not-found"));
      rows.add(
          attack("replacing another tenant's " + noun + " draft → 404")
              .as(attacker.admin())
              .send(
                  "PUT",
                  draft + "/versions/1",
                  "{\"spec\":" + echoTool("'never'") + "}",
                  Map.of("If-Match", "\"guessed\""))
              .refused(404, "not-found")
              .unchanged(draftUnchanged));
      rows.add(
          attack("validating another tenant's " + noun + " draft → 404")
              .as(attacker.admin())
              .post(draft + "/versions/1:validate", "")
              .refused(404, "not-found"));
      rows.add(
          attack("promoting another tenant's " + noun + " draft → 404")
              .as(attacker.admin())
              .post(draft + "/versions/1:promote", "")
              .refused(404, "not-found")
              .unchanged(draftUnchanged));
      rows.add(
          attack("a new draft of another tenant's " + noun + " → 404")
              .as(attacker.admin())
              .post(active + "/versions", "{\"from\":1}")
              .refused(404, "not-found")
              .unchanged(activeUnchanged));
      rows.add(
          attack("archiving another tenant's " + noun + " → 404")
              .as(attacker.admin())
              .post(active + ":archive", "")
              .refused(404, "not-found")
              .unchanged(activeUnchanged));
      rows.add(
          attack("archiving another tenant's active " + noun + " version → 404")
              .as(attacker.admin())
              .post(active + "/versions/1:archive", "")
              .refused(404, "not-found")
              .unchanged(activeUnchanged));
    }
    rows.add(
        attack("resolving another tenant's agent by id → 404")
            .as(attacker.service("execution-service", "internal"))
            .get("/v1/agents/" + estate.agentId + "/resolved?mode=debug")
            .refused(404, "not-found"));
    rows.add(
        attack("resolving another tenant's agent by name → 404")
            .as(attacker.admin())
            .get("/v1/agents/" + estate.agentName + "/resolved")
            .refused(404, "not-found"));
    return run(rows);
  }

  @TestFactory
  Stream<DynamicTest> anotherTenantsSecretsAreNotFound() {
    String secret = "/v1/secrets/" + estate.secretName;
    return run(
        attack("deleting a secret name another tenant has → 404")
            .as(attacker.admin())
            .delete(secret)
            .refused(404, "not-found")
            .unchanged(
                reply ->
                    assertThat(gateway.get("/v1/secrets", victim.admin()).raw())
                        .contains(estate.secretName)),
        attack("releasing a secret name another tenant has, as an internal service → 404")
            .as(attacker.service("execution-service", "internal"))
            .get(secret + "/value")
            .refused(404, "not-found"));
  }

  @TestFactory
  Stream<DynamicTest> anotherTenantsRunsAreNotFound() {
    String finished = "/v1/runs/" + estate.finishedRunId;
    String waiting = "/v1/runs/" + estate.waitingRunId;
    Consumer<Reply> finishedUnchanged = unchanged(victim.admin(), finished + "/audit");
    return run(
        attack("another tenant's run → 404")
            .as(attacker.admin())
            .get(finished)
            .refused(404, "not-found"),
        attack("another tenant's run, to a caller with its creator's subject → 404")
            .as(attacker.operator())
            .get(finished)
            .refused(404, "not-found"),
        attack("another tenant's run, claiming its tenant in X-Tenant-Id → 404")
            .as(attacker.admin())
            .send(
                "GET",
                finished,
                null,
                Map.of("X-Tenant-Id", victim.id(), "X-Agentplane-Tenant", victim.id()))
            .refused(404, "not-found"),
        attack("another tenant's run events (SSE) → 404")
            .as(attacker.admin())
            .send("GET", finished + "/events", null, Map.of("Accept", "text/event-stream"))
            .refused(404, "not-found"),
        attack("another tenant's run checkpoints → 404")
            .as(attacker.admin())
            .get(finished + "/checkpoints")
            .refused(404, "not-found"),
        attack("another tenant's run audit → 404")
            .as(attacker.admin())
            .get(finished + "/audit")
            .refused(404, "not-found"),
        attack("cancelling another tenant's waiting run → 404")
            .as(attacker.admin())
            .post(waiting + "/cancel", "{}")
            .refused(404, "not-found")
            .unchanged(
                reply ->
                    assertThat(runs.get(victim.operator(), estate.waitingRunId).path("status"))
                        .hasToString("\"waiting_approval\"")),
        attack("resuming another tenant's run → 404")
            .as(attacker.admin())
            .post(finished + "/resume", "{}")
            .refused(404, "not-found")
            .unchanged(finishedUnchanged),
        attack("forking another tenant's run → 404")
            .as(attacker.admin())
            .post(finished + "/fork", "{\"fromSeq\":1}")
            .refused(404, "not-found")
            .unchanged(finishedUnchanged),
        attack("a run of another tenant's agent, by id → 422 at /agent")
            .as(attacker.admin())
            .post("/v1/runs", runOf(estate.agentId))
            .refused(422, "validation-failed")
            .naming("/agent"),
        attack("a run of another tenant's agent, by name → 422 at /agent")
            .as(attacker.admin())
            .post("/v1/runs", runOf(estate.agentName))
            .refused(422, "validation-failed")
            .naming("/agent"));
  }

  @TestFactory
  Stream<DynamicTest> anotherTenantsApprovalsAreNotFound() {
    String approval = "/v1/approvals/" + estate.approvalId;
    Consumer<Reply> stillPending = unchanged(victim.approver(), approval);
    return run(
        attack("another tenant's approval → 404")
            .as(attacker.admin())
            .get(approval)
            .refused(404, "not-found"),
        attack("another tenant's approval audit → 404")
            .as(attacker.admin())
            .get(approval + "/audit")
            .refused(404, "not-found"),
        attack("deciding another tenant's approval, as an approver with its approver's name → 404")
            .as(attacker.approver())
            .post(approval + "/decisions", "{\"decision\":\"approve\"}")
            .refused(404, "not-found")
            .unchanged(stillPending),
        attack("cancelling another tenant's approval → 404")
            .as(attacker.admin())
            .post(approval + "/cancel", "{}")
            .refused(404, "not-found")
            .unchanged(stillPending),
        attack("action links for another tenant's approval → 404")
            .as(attacker.admin())
            .post(approval + "/action-links", "{\"approver\":{\"subject\":\"mallory\"}}")
            .refused(404, "not-found"));
  }

  @TestFactory
  Stream<DynamicTest> anotherTenantsWebhooksAreNotFound() {
    String webhook = "/v1/webhooks/" + estate.webhookId;
    String delivery = webhook + "/deliveries/" + estate.deliveryId;
    Consumer<Reply> webhookUnchanged = unchanged(victim.admin(), webhook);
    return run(
        attack("another tenant's webhook → 404")
            .as(attacker.admin())
            .get(webhook)
            .refused(404, "not-found"),
        attack("redirecting another tenant's webhook → 404")
            .as(attacker.admin())
            .patch(webhook, "{\"url\":\"" + attackerReceiver.url() + "\"}")
            .refused(404, "not-found")
            .unchanged(webhookUnchanged),
        attack("deleting another tenant's webhook → 404")
            .as(attacker.admin())
            .delete(webhook)
            .refused(404, "not-found")
            .unchanged(webhookUnchanged),
        attack("rotating another tenant's webhook secret → 404")
            .as(attacker.admin())
            .post(webhook + "/rotate-secret", "")
            .refused(404, "not-found")
            .unchanged(webhookUnchanged),
        attack("another tenant's delivery log → 404")
            .as(attacker.admin())
            .get(webhook + "/deliveries")
            .refused(404, "not-found"),
        attack("another tenant's delivery → 404")
            .as(attacker.admin())
            .get(delivery)
            .refused(404, "not-found"),
        attack("redelivering another tenant's delivery → 404")
            .as(attacker.admin())
            .post(delivery + "/redeliver", "")
            .refused(404, "not-found"));
  }

  @TestFactory
  Stream<DynamicTest> listingsNeverShowAnotherTenantsItems() {
    return run(
        attack("listing agents").as(attacker.admin()).get("/v1/agents?limit=100").answered(),
        attack("listing agents by another tenant's agent name")
            .as(attacker.admin())
            .get("/v1/agents?name=" + estate.agentName)
            .answered()
            .unchanged(TenantAttackIT::noItems),
        attack("listing tools").as(attacker.admin()).get("/v1/tools?limit=100").answered(),
        attack("listing secrets").as(attacker.admin()).get("/v1/secrets").answered(),
        attack("listing runs").as(attacker.admin()).get("/v1/runs?limit=100").answered(),
        attack("listing runs of another tenant's agent")
            .as(attacker.admin())
            .get("/v1/runs?agent=" + estate.agentId)
            .answered()
            .unchanged(TenantAttackIT::noItems),
        attack("listing approvals").as(attacker.admin()).get("/v1/approvals?limit=100").answered(),
        attack("listing approvals of another tenant's run")
            .as(attacker.admin())
            .get("/v1/approvals?subject=" + estate.waitingRunId)
            .answered()
            .unchanged(TenantAttackIT::noItems),
        attack("listing webhooks").as(attacker.admin()).get("/v1/webhooks").answered());
  }

  @TestFactory
  Stream<DynamicTest> namesInSpecsResolveOnlyWithinTheTenant() {
    ObjectNode stealsSecret = (ObjectNode) httpTool("https://api.example.com/collect");
    ((ObjectNode) stealsSecret.path("http"))
        .putObject("headers")
        .put("Authorization", "Bearer {{secret:" + estate.secretName + "}}");
    return run(
        promotionRefused(
            "an HTTP tool sending another tenant's secret → 422",
            "tools",
            "steals-secret-" + tag,
            stealsSecret,
            "/http/headers/Authorization",
            "secret.not-found"),
        promotionRefused(
            "an agent calling another tenant's tool → 422",
            "agents",
            "borrows-tool-" + tag,
            callingAgent(estate.toolName, "{}", "x"),
            "/tools/0/name",
            "agent.tool.not-found"),
        promotionRefused(
            "an agent-typed tool running another tenant's agent → 422",
            "tools",
            "borrows-agent-" + tag,
            agentTool(estate.agentName),
            "/agent/name",
            "tool.agent.not-found"));
  }

  // ---------------------------------------------------------------------------------------------
  // 2. Within one tenant, a role below the one needed is a 403 with the documented slug.
  // ---------------------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> rolesBelowTheNeededOneAreForbidden() {
    String answerAgent = "/v1/agents/" + own.agentId;
    return run(
        attack("a viewer creates an agent → 403")
            .as(attacker.viewer())
            .post("/v1/agents", createBody("viewer-agent-" + tag, answeringAgent("x")))
            .refused(403, "forbidden")
            .unchanged(reply -> noneNamed(attacker.admin(), "agents", "viewer-agent-" + tag)),
        attack("a viewer validates a draft → 403")
            .as(attacker.viewer())
            .post("/v1/agents/" + own.draftAgentId + "/versions/1:validate", "")
            .refused(403, "forbidden"),
        attack("a builder archives an agent → 403")
            .as(attacker.builder())
            .post(answerAgent + ":archive", "")
            .refused(403, "forbidden")
            .unchanged(unchanged(attacker.admin(), answerAgent)),
        attack("a builder stores a secret → 403")
            .as(attacker.builder())
            .put("/v1/secrets/BUILDERS_OWN", "{\"value\":\"x\"}")
            .refused(403, "forbidden"),
        attack("an admin user reads a secret's value (services only) → 403")
            .as(attacker.admin())
            .get("/v1/secrets/" + own.secretName + "/value")
            .refused(403, "forbidden"),
        attack("an operator decides an approval → 403 not-an-approver")
            .as(attacker.operator())
            .post("/v1/approvals/" + own.olgasApprovalId + "/decisions", approve())
            .refused(403, "not-an-approver"),
        attack("a builder cancels an approval → 403")
            .as(attacker.builder())
            .post("/v1/approvals/" + own.olgasApprovalId + "/cancel", "{}")
            .refused(403, "forbidden"),
        attack("a user opens an approval request (services only) → 403")
            .as(attacker.admin())
            .post("/v1/approvals", "{\"title\":\"t\",\"subject\":{\"reference\":\"r\"}}")
            .refused(403, "service-principal-required"),
        attack("an approver mints action links → 403")
            .as(attacker.approver())
            .post(
                "/v1/approvals/" + own.olgasApprovalId + "/action-links",
                "{\"approver\":{\"subject\":\"ann\"}}")
            .refused(403, "forbidden"),
        attack("a viewer starts a production run → 403")
            .as(attacker.viewer())
            .post("/v1/runs", runOf(own.agentId))
            .refused(403, "production-run-forbidden"),
        attack("a builder starts a production run → 403")
            .as(attacker.builder())
            .post("/v1/runs", runOf(own.agentId))
            .refused(403, "production-run-forbidden"),
        attack("an operator starts a debug run → 403")
            .as(attacker.operator())
            .post("/v1/runs", debugRunOf(own.draftAgentId))
            .refused(403, "debug-run-forbidden"),
        attack("an approver subscribes a webhook → 403")
            .as(attacker.approver())
            .post("/v1/webhooks", webhookBody(attackerReceiver.url()))
            .refused(403, "forbidden"),
        attack("an approver reads the inbound-decision secret's settings → 403")
            .as(attacker.approver())
            .get("/v1/webhooks/inbound-secret")
            .refused(403, "forbidden"),
        attack("an operator rotates the inbound-decision secret → 403")
            .as(attacker.operator())
            .post("/v1/webhooks/inbound-secret", "")
            .refused(403, "forbidden"));
  }

  // ---------------------------------------------------------------------------------------------
  // 3. Forged, expired and otherwise wrong tokens for the victim's tenant are 401 with a bearer
  //    challenge, at the gateway, whichever service the path leads to.
  // ---------------------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> badTokensForTheVictimsTenantAreUnauthorized() {
    String tenant = victim.id();
    return run(
        unauthorized("an expired token", TOKENS.expired(tenant), "/v1/agents"),
        unauthorized("a token not valid yet", TOKENS.notYetValid(tenant), "/v1/runs"),
        unauthorized("a token for another audience", TOKENS.wrongAudience(tenant), "/v1/approvals"),
        unauthorized("a token of another issuer", TOKENS.wrongIssuer(tenant), "/v1/webhooks"),
        unauthorized("an unsigned token (alg none)", TOKENS.algNone(tenant), "/v1/secrets"),
        unauthorized(
            "a token whose payload was swapped (bad signature)",
            TOKENS.badSignature(tenant),
            "/v1/runs/" + estate.finishedRunId),
        unauthorized(
            "a token signed with an unknown key",
            TOKENS.signedWithUnknownKey(tenant),
            "/v1/agents/" + estate.agentId),
        unauthorized("a token without a tenant", TOKENS.withoutTenant(), "/v1/tools"),
        unauthorized("a string that is no JWT", "not.a.jwt", "/v1/approvals/" + estate.approvalId),
        unauthorized("no token at all", null, "/v1/webhooks/" + estate.webhookId));
  }

  // ---------------------------------------------------------------------------------------------
  // 4. Mass assignment: fields the server owns, or that the API does not define, are a 400 naming
  //    each of them, and nothing is written.
  // ---------------------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> serverOwnedFieldsAreRefusedAndNothingIsWritten() {
    String draftVersion = "/v1/agents/" + own.draftAgentId + "/versions/1";
    String draftEtag = gateway.get(draftVersion, attacker.builder()).header("ETag").orElseThrow();
    Consumer<Reply> draftUnchanged = unchanged(attacker.builder(), draftVersion);
    String webhook = "/v1/webhooks/" + own.webhookId;
    String mallory = attacker.user("mallory", "operator", "builder", "admin");
    Consumer<Reply> noRunOfMallory =
        reply -> noItems(gateway.get("/v1/runs?creator=mallory", attacker.admin()));
    return run(
        attack("creating an agent into another tenant (tenantId) → 400")
            .as(attacker.builder())
            .post(
                "/v1/agents",
                with(createBody("mass-agent-" + tag, answeringAgent("x")), "tenantId", victim.id()))
            .refused(400, "invalid-request")
            .naming("/tenantId")
            .unchanged(
                reply -> {
                  noneNamed(attacker.admin(), "agents", "mass-agent-" + tag);
                  noneNamed(victim.admin(), "agents", "mass-agent-" + tag);
                }),
        attack("creating a tool already active (status) → 400")
            .as(attacker.builder())
            .post(
                "/v1/tools",
                with(createBody("mass-tool-" + tag, echoTool("'never'")), "status", "active"))
            .refused(400, "invalid-request")
            .naming("/status")
            .unchanged(reply -> noneNamed(attacker.admin(), "tools", "mass-tool-" + tag)),
        attack("creating a tool with a chosen id → 400")
            .as(attacker.builder())
            .post(
                "/v1/tools",
                with(createBody("mass-tool-" + tag, echoTool("'never'")), "id", estate.toolId))
            .refused(400, "invalid-request")
            .naming("/id")
            .unchanged(reply -> noneNamed(attacker.admin(), "tools", "mass-tool-" + tag)),
        attack("creating an agent with version and specHash → 400 naming both")
            .as(attacker.builder())
            .post(
                "/v1/agents",
                with(
                    with(createBody("mass-agent-" + tag, answeringAgent("x")), "version", 7),
                    "specHash",
                    "0".repeat(64)))
            .refused(400, "invalid-request")
            .naming("/version", "/specHash")
            .unchanged(reply -> noneNamed(attacker.admin(), "agents", "mass-agent-" + tag)),
        attack("replacing a draft with a version number → 400")
            .as(attacker.builder())
            .send(
                "PUT",
                draftVersion,
                with(specBody(answeringAgent("changed")), "version", 2),
                Map.of("If-Match", draftEtag))
            .refused(400, "invalid-request")
            .naming("/version")
            .unchanged(draftUnchanged),
        attack("replacing a draft with status active → 400")
            .as(attacker.builder())
            .send(
                "PUT",
                draftVersion,
                with(specBody(answeringAgent("changed")), "status", "active"),
                Map.of("If-Match", draftEtag))
            .refused(400, "invalid-request")
            .naming("/status")
            .unchanged(draftUnchanged),
        attack("storing a secret into another tenant (tenantId) → 400")
            .as(attacker.admin())
            .put(
                "/v1/secrets/MASS_" + tag.toUpperCase(Locale.ROOT),
                "{\"value\":\"v\",\"tenantId\":\"" + victim.id() + "\"}")
            .refused(400, "invalid-request")
            .naming("/tenantId")
            .unchanged(
                reply ->
                    assertThat(gateway.get("/v1/secrets", attacker.admin()).raw())
                        .doesNotContain("MASS_" + tag.toUpperCase(Locale.ROOT))),
        attack("starting a run in another tenant (tenantId) → 400")
            .as(mallory)
            .post("/v1/runs", with(runOf(own.agentId), "tenantId", victim.id()))
            .refused(400, "invalid-request")
            .naming("/tenantId")
            .unchanged(noRunOfMallory),
        attack("starting a run already succeeded, as someone else (status, createdBy) → 400")
            .as(mallory)
            .post(
                "/v1/runs",
                with(with(runOf(own.agentId), "status", "succeeded"), "createdBy", "otto"))
            .refused(400, "invalid-request")
            .naming("/status", "/createdBy")
            .unchanged(noRunOfMallory),
        attack("starting a run with a chosen id → 400")
            .as(mallory)
            .post("/v1/runs", with(runOf(own.agentId), "id", estate.finishedRunId))
            .refused(400, "invalid-request")
            .naming("/id")
            .unchanged(noRunOfMallory),
        attack("subscribing a webhook into another tenant (tenantId) → 400")
            .as(attacker.admin())
            .post(
                "/v1/webhooks",
                with(webhookBody(attackerReceiver.url() + "?mass=1"), "tenantId", victim.id()))
            .refused(400, "invalid-request")
            .naming("/tenantId")
            .unchanged(reply -> noWebhookAt(attackerReceiver.url() + "?mass=1")),
        attack("subscribing a webhook with a chosen signing secret → 400")
            .as(attacker.admin())
            .post(
                "/v1/webhooks",
                with(webhookBody(attackerReceiver.url() + "?mass=2"), "secret", "whsec_chosen"))
            .refused(400, "invalid-request")
            .naming("/secret")
            .unchanged(reply -> noWebhookAt(attackerReceiver.url() + "?mass=2")),
        attack("moving a webhook to another tenant (PATCH tenantId) → 400")
            .as(attacker.admin())
            .patch(webhook, "{\"enabled\":false,\"tenantId\":\"" + victim.id() + "\"}")
            .refused(400, "invalid-request")
            .naming("/tenantId")
            .unchanged(unchanged(attacker.admin(), webhook)),
        attack("opening an approval already approved (status) → 400")
            .as(attacker.service("deployer", "internal"))
            .post(
                "/v1/approvals",
                "{\"title\":\"t\",\"subject\":{\"reference\":\"mass/"
                    + tag
                    + "\"},\"status\":\"approved\",\"tenantId\":\""
                    + victim.id()
                    + "\"}")
            .refused(400, "invalid-request")
            .naming("/status", "/tenantId")
            .unchanged(
                reply ->
                    noItems(
                        gateway.get("/v1/approvals?subject=custom/mass/" + tag, attacker.admin()))),
        attack("a decision that names its own approvers (decidedBy) → 400")
            .as(attacker.approver())
            .post(
                "/v1/approvals/" + own.annsApprovalId + "/decisions",
                "{\"decision\":\"approve\",\"decidedBy\":[\"ceo\"]}")
            .refused(400, "invalid-request")
            .naming("/decidedBy")
            .unchanged(unchanged(attacker.admin(), "/v1/approvals/" + own.annsApprovalId)));
  }

  // ---------------------------------------------------------------------------------------------
  // 5.–7. Debug runs are for people; only a run's creator (or an admin user) steers it; nobody
  //       approves their own request.
  // ---------------------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> runsAreSteeredOnlyByTheirOwnersAndDebugRunsOnlyByPeople() {
    String ottos = "/v1/runs/" + own.ottosRunId;
    Consumer<Reply> ottosUnchanged = unchanged(attacker.admin(), ottos + "/audit");
    String oscar = attacker.user("oscar", "operator");
    return run(
        attack("a service with the builder role starts a debug run → 403")
            .as(attacker.service("ci", "builder"))
            .post("/v1/runs", debugRunOf(own.draftAgentId))
            .refused(403, "debug-run-forbidden"),
        attack("a service with the admin role starts a debug run → 403")
            .as(attacker.service("ci", "admin", "builder"))
            .post("/v1/runs", debugRunOf(own.draftAgentId))
            .refused(403, "debug-run-forbidden"),
        attack("a service with the admin role forks a run → 403")
            .as(attacker.service("ci", "admin", "builder"))
            .post(ottos + "/fork", "{\"fromSeq\":1}")
            .refused(403, "debug-run-forbidden")
            .unchanged(ottosUnchanged),
        attack("another operator cancels a run → 403 not-run-owner")
            .as(oscar)
            .post(ottos + "/cancel", "{}")
            .refused(403, "not-run-owner"),
        attack("another operator resumes a run → 403 not-run-owner")
            .as(oscar)
            .post(ottos + "/resume", "{}")
            .refused(403, "not-run-owner")
            .unchanged(ottosUnchanged),
        attack("another operator reads a run's checkpoints → 403 not-run-owner")
            .as(oscar)
            .get(ottos + "/checkpoints")
            .refused(403, "not-run-owner"),
        attack("a builder who may read others' runs forks one → 403 not-run-owner")
            .as(attacker.user("bo", "builder", "operator"))
            .post(ottos + "/fork", "{\"fromSeq\":1}")
            .refused(403, "not-run-owner")
            .unchanged(ottosUnchanged),
        attack("a builder forks a run it cannot see → 404")
            .as(attacker.builder())
            .post(ottos + "/fork", "{\"fromSeq\":1}")
            .refused(404, "not-found")
            .unchanged(ottosUnchanged),
        attack("a service with the admin role resumes a run it did not start → 403 not-run-owner")
            .as(attacker.service("ci", "admin"))
            .post(ottos + "/resume", "{}")
            .refused(403, "not-run-owner")
            .unchanged(ottosUnchanged));
  }

  @TestFactory
  Stream<DynamicTest> nobodyApprovesTheirOwnRequest() {
    String olgas = "/v1/approvals/" + own.olgasApprovalId;
    String anns = "/v1/approvals/" + own.annsApprovalId;
    return run(
        attack("an approver approves the request her own run raised → 403")
            .as(olga())
            .post(olgas + "/decisions", approve())
            .refused(403, "requester-cannot-decide")
            .unchanged(unchanged(attacker.admin(), olgas)),
        attack("an approver approves what a service asked on her behalf → 403")
            .as(attacker.approver())
            .post(anns + "/decisions", approve())
            .refused(403, "requester-cannot-decide")
            .unchanged(unchanged(attacker.admin(), anns)),
        attack("a signed decision in the requester's name → 403")
            .by(
                "signed decision for " + own.annsApprovalId,
                () ->
                    approvals.signedDecision(
                        attacker.id(),
                        own.inboundSecret,
                        Approvals.newMessageId(),
                        signedApproval(own.annsApprovalId, "ann")))
            .refused(403, "requester-cannot-decide")
            .unchanged(unchanged(attacker.admin(), anns)));
  }

  // ---------------------------------------------------------------------------------------------
  // 8. Inbound decisions: a signature or link is only good for its own tenant.
  // ---------------------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> inboundDecisionsOnlyCountForTheirOwnTenant() {
    String body = signedApproval(estate.approvalId, "mallory");
    String victimsInbound = "/v1/webhooks/inbound/" + victim.id();
    String linkToken = own.actionLinkPath.substring(own.actionLinkPath.lastIndexOf('/') + 1);
    Consumer<Reply> stillPending =
        unchanged(victim.approver(), "/v1/approvals/" + estate.approvalId);
    return run(
        attack("a decision for the victim signed with the attacker's secret → 401")
            .by(
                victimsInbound + "/decisions " + body,
                () ->
                    approvals.signedDecision(
                        victim.id(), own.inboundSecret, Approvals.newMessageId(), body))
            .refused(401, "invalid-signature")
            .unchanged(stillPending),
        attack("a decision for the victim's approval through the attacker's own tenant → 404")
            .by(
                "/v1/webhooks/inbound/" + attacker.id() + "/decisions " + body,
                () ->
                    approvals.signedDecision(
                        attacker.id(), own.inboundSecret, Approvals.newMessageId(), body))
            .refused(404, "not-found")
            .unchanged(stillPending),
        attack("an unsigned decision for the victim → 401")
            .send("POST", victimsInbound + "/decisions", body, Map.of())
            .refused(401, "missing-signature")
            .unchanged(stillPending),
        attack("the attacker's action link used under the victim's tenant → 401")
            .post(victimsInbound + "/links/" + linkToken, "{}")
            .refused(401, "invalid-link")
            .unchanged(unchanged(attacker.admin(), "/v1/approvals/" + own.olgasApprovalId)),
        attack("the attacker's action link previewed under the victim's tenant → 401")
            .get(victimsInbound + "/links/" + linkToken)
            .refused(401, "invalid-link"));
  }

  // ---------------------------------------------------------------------------------------------
  // 9. SSRF: every form of loopback, private, link-local and metadata address is refused where a
  //    URL is accepted; a name that resolves to loopback is refused when the call is made.
  // ---------------------------------------------------------------------------------------------

  private static final List<String> FORBIDDEN_URLS =
      List.of(
          "http://127.0.0.2/admin",
          "http://localhost/admin",
          "http://[::1]/admin",
          "http://2130706433/admin",
          "http://127.1/admin",
          "http://0x7f.1/admin",
          "http://169.254.169.254/latest/meta-data",
          "http://10.0.0.5/",
          "http://172.16.0.1/",
          "http://192.168.1.1/",
          "http://100.64.0.1/",
          "http://[fd00:ec2::254]/");

  @TestFactory
  Stream<DynamicTest> httpToolsAtForbiddenHostsAreNotPromoted() {
    List<Attack> rows = new ArrayList<>();
    for (int i = 0; i < FORBIDDEN_URLS.size(); i++) {
      String url = FORBIDDEN_URLS.get(i);
      rows.add(
          promotionRefused(
              "an HTTP tool at " + url + " → 422",
              "ssrf-http-" + i + "-" + tag,
              httpTool(url),
              "/http/url",
              // Shorthand IPv4 forms (127.1, 0x7f.1) included: read as the addresses they mean.
              "tool.http.host-not-allowed"));
    }
    for (String url : List.of("http://169.254.169.254/mcp", "http://0177.0.0.1/mcp")) {
      rows.add(
          promotionRefused(
              "an MCP server at " + url + " → 422",
              "ssrf-mcp-" + rows.size() + "-" + tag,
              mcpTool(url),
              "/mcp/serverUrl",
              "tool.mcp.host-not-allowed"));
    }
    return run(rows);
  }

  @TestFactory
  Stream<DynamicTest> webhooksToForbiddenHostsAreNotSubscribed() {
    List<Attack> rows = new ArrayList<>();
    List<String> urls = new ArrayList<>(FORBIDDEN_URLS.subList(0, 6));
    urls.add("http://169.254.169.254/latest/meta-data");
    urls.add("http://10.0.0.5/");
    urls.add("http://[fd00:ec2::254]/");
    for (String url : urls) {
      rows.add(
          attack("a webhook to " + url + " → 422")
              .as(attacker.admin())
              .post("/v1/webhooks", webhookBody(url))
              .refused(422, "validation-failed")
              .naming("/url")
              .withCodes("url_not_allowed")
              .unchanged(reply -> noWebhookAt(url)));
    }
    // Names are resolved, and refused for what they resolve to, which the answer must not tell:
    // else subscribing would map the platform's internal DNS for any tenant admin.
    Map<String, String> resolvingTo =
        Map.of(
            "http://metadata.acceptance.test/latest/meta-data",
            "169.254.169.254",
            "http://" + Platform.LOOPBACK_ALIAS + "/hooks",
            "127.0.0.1");
    resolvingTo.forEach(
        (url, address) ->
            rows.add(
                attack("a webhook to " + url + " → 422, not naming the address it resolves to")
                    .as(attacker.admin())
                    .post("/v1/webhooks", webhookBody(url))
                    .refused(422, "validation-failed")
                    .naming("/url")
                    .withCodes("url_not_allowed")
                    .hiding(address)
                    .unchanged(reply -> noWebhookAt(url))));
    String webhook = "/v1/webhooks/" + own.webhookId;
    rows.add(
        attack("moving a webhook to the metadata address → 422")
            .as(attacker.admin())
            .patch(webhook, "{\"url\":\"http://169.254.169.254/latest/meta-data\"}")
            .refused(422, "validation-failed")
            .naming("/url")
            .withCodes("url_not_allowed")
            .unchanged(unchanged(attacker.admin(), webhook)));
    return run(rows);
  }

  /**
   * The registry judges a tool's URL as written, without DNS, so a tool at a name the attacker
   * points at loopback (or at the metadata address) may become active; the execution service must
   * then refuse the call once it resolves the name, and nothing may reach the host behind it.
   */
  @Test
  void toolsAtNamesThatResolveToForbiddenAddressesAreNeverCalled() {
    try (CountingToolServer server = CountingToolServer.start()) {
      int port = URI.create(server.url("/")).getPort();
      String rebound = "rebound-" + tag;
      String metadata = "metadata-" + tag;
      registry.active(
          attacker,
          "tools",
          rebound,
          httpTool("http://" + Platform.LOOPBACK_ALIAS + ":" + port + "/internal/balance"));
      registry.active(
          attacker,
          "tools",
          metadata,
          httpTool("http://metadata.acceptance.test/latest/meta-data"));
      JsonNode agent =
          scriptedAgent(
              List.of(rebound, metadata),
              calls(Map.of(rebound, json("{}"), metadata, json("{}"))),
              answer("done"));
      String agentId = registry.active(attacker, "agents", "rebinder-" + tag, agent);

      String runId = runs.start(attacker.operator(), runOf(agentId));
      runs.awaitEnd(attacker.operator(), runId);
      List<SseEvent> events = runs.history(attacker.operator(), runId);

      assertThat(
              events.stream()
                  .filter(event -> "tool.failed".equals(event.name()))
                  .map(event -> event.data().path("errorCode").asText())
                  .toList())
          .as("tool.failed codes in %s", events)
          .containsExactly("tool_host_blocked", "tool_host_blocked");
      assertThat(server.requests()).as("requests that reached the loopback server").isEmpty();
      // What the names resolve to stays inside: the run's reader sees only that they were refused.
      assertThat(
              events.stream()
                  .filter(event -> "tool.failed".equals(event.name()))
                  .map(event -> event.data().path("message").asText()))
          .as("tool.failed messages")
          .noneMatch(message -> message.contains("127.0.0.1"))
          .noneMatch(message -> message.contains("169.254.169.254"));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 10. The one leak check every row runs.
  // ---------------------------------------------------------------------------------------------

  /**
   * Fails when the answer (body or headers) contains any of the victim's ids, names or values. What
   * the attacker sent itself (an id in the path, the tenant in an inbound path) may be echoed:
   * repeating it tells the attacker nothing, and a 404 detail that names the id asked for is the
   * same for an id that never existed. Everything else of the victim must be absent.
   */
  private void assertNoLeak(String row, String sent, Reply reply) {
    String answer = reply.headers() + "\n" + reply.raw();
    List<String> leaked =
        victimMarkers().stream()
            .filter(marker -> !sent.contains(marker))
            .filter(answer::contains)
            .toList();
    assertThat(leaked).as("%s: the victim's data in the answer %s", row, answer).isEmpty();
  }

  private List<String> victimMarkers() {
    return List.of(
        victim.id(),
        estate.secretName,
        estate.secretValue,
        estate.toolId,
        estate.toolName,
        estate.gatedToolId,
        estate.gatedToolName,
        estate.draftToolId,
        estate.draftToolName,
        estate.agentId,
        estate.agentName,
        estate.gatedAgentId,
        estate.gatedAgentName,
        estate.draftAgentId,
        estate.draftAgentName,
        estate.finishedRunId,
        estate.output,
        estate.memo,
        estate.waitingRunId,
        estate.approvalId,
        estate.webhookId,
        estate.webhookUrl,
        estate.webhookSecret,
        estate.deliveryId,
        estate.inboundSecret);
  }

  // ---------------------------------------------------------------------------------------------
  // Rows, requests and specs.
  // ---------------------------------------------------------------------------------------------

  private Attack attack(String name) {
    return Attack.named(name, gateway);
  }

  private Stream<DynamicTest> run(Attack... rows) {
    return run(List.of(rows));
  }

  private Stream<DynamicTest> run(List<Attack> rows) {
    return rows.stream().map(row -> row.toTest(this::assertNoLeak));
  }

  private Attack unauthorized(String what, String token, String path) {
    return attack(what + " for the victim's tenant → 401 at " + path)
        .as(token)
        .get(path)
        .refused(401, "unauthorized")
        .challenged();
  }

  /**
   * Creates the draft (which may hold anything), then asks to promote it: refused, still a draft.
   */
  private Attack promotionRefused(
      String name, String toolName, JsonNode spec, String pointer, String code) {
    return promotionRefused(name, "tools", toolName, spec, pointer, code);
  }

  private Attack promotionRefused(
      String name, String kind, String resourceName, JsonNode spec, String pointer, String code) {
    return attack(name)
        .by(
            spec.toString(),
            () -> {
              String id = registry.draft(kind, attacker.builder(), resourceName, spec);
              return registry.promote(kind, attacker.builder(), id, 1);
            })
        .refused(422, "validation-failed")
        .naming(pointer)
        .withCodes(code)
        .unchanged(
            reply -> {
              JsonNode items =
                  gateway
                      .get("/v1/" + kind + "?name=" + resourceName, attacker.admin())
                      .body()
                      .path("items");
              assertThat(items).as(items.toString()).hasSize(1);
              assertThat(items.get(0).path("activeVersion").isNumber())
                  .as("an active version in %s", items)
                  .isFalse();
            });
  }

  /** Asserts that, read again by {@code token}, {@code path} answers exactly as it does now. */
  private Consumer<Reply> unchanged(String token, String path) {
    Reply before = gateway.get(path, token);
    assertThat(before.status()).as(before.raw()).isEqualTo(200);
    return reply -> {
      Reply after = gateway.get(path, token);
      assertThat(after.body()).as("%s after the attempt", path).isEqualTo(before.body());
    };
  }

  private static void noItems(Reply listing) {
    assertThat(listing.status()).as(listing.raw()).isEqualTo(200);
    assertThat(listing.body().path("items")).as(listing.raw()).isEmpty();
  }

  private void noneNamed(String token, String kind, String name) {
    noItems(gateway.get("/v1/" + kind + "?name=" + name, token));
  }

  private void noWebhookAt(String url) {
    Reply listing = gateway.get("/v1/webhooks?limit=200", attacker.admin());
    assertThat(listing.body().path("items").findValuesAsText("url")).doesNotContain(url);
  }

  private String onlyWebhookId(String adminToken) {
    JsonNode items = gateway.get("/v1/webhooks", adminToken).body().path("items");
    assertThat(items).as(items.toString()).hasSize(1);
    return items.get(0).path("id").asText();
  }

  /** Olga, operator and approver of the attacker's tenant. */
  private String olga() {
    return attacker.user("olga", "operator", "approver");
  }

  private static String runOf(String agent) {
    ObjectNode body = ServiceApi.JSON.createObjectNode().put("agent", agent);
    body.putObject("input");
    return body.toString();
  }

  private static String debugRunOf(String agent) {
    return with(runOf(agent), "mode", "debug");
  }

  private static String approve() {
    return "{\"decision\":\"approve\"}";
  }

  private static String signedApproval(String approvalId, String approver) {
    return "{\"approvalId\":\""
        + approvalId
        + "\",\"approver\":{\"subject\":\""
        + approver
        + "\",\"roles\":[\"approver\"]},\"decision\":\"approve\"}";
  }

  private static String webhookBody(String url) {
    return "{\"url\":\"" + url + "\",\"eventTypes\":[\"approval.decided\"]}";
  }

  private static String createBody(String name, JsonNode spec) {
    ObjectNode body = ServiceApi.JSON.createObjectNode().put("name", name);
    body.set("spec", spec);
    return body.toString();
  }

  private static String specBody(JsonNode spec) {
    ObjectNode body = ServiceApi.JSON.createObjectNode();
    body.set("spec", spec);
    return body.toString();
  }

  /** {@code body} (a JSON object) with one more field. */
  private static String with(String body, String field, Object value) {
    try {
      ObjectNode object = (ObjectNode) ServiceApi.JSON.readTree(body);
      object.set(field, ServiceApi.JSON.valueToTree(value));
      return object.toString();
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(body, e);
    }
  }

  /** The builtin echo tool; {@code approval} {@code 'never'}, {@code 'always'} or a schema. */
  private static JsonNode echoTool(String approval) {
    return json(
        "{'description':'Echoes','type':'builtin','builtin':{'name':'echo'},"
            + "'inputSchema':{'type':'object'},'risk':'low','approval':"
            + approval
            + "}");
  }

  private static JsonNode httpTool(String url) {
    ObjectNode spec =
        (ObjectNode)
            json(
                "{'description':'Fetches','type':'http','inputSchema':{'type':'object'},"
                    + "'risk':'low','approval':'never'}");
    spec.putObject("http").put("method", "GET").put("url", url).put("timeoutMs", 5000);
    return spec;
  }

  private static JsonNode agentTool(String agent) {
    ObjectNode spec =
        (ObjectNode)
            json(
                "{'description':'Asks an agent','type':'agent','inputSchema':{'type':'object'},"
                    + "'risk':'low','approval':'never'}");
    spec.putObject("agent").put("name", agent);
    return spec;
  }

  private static JsonNode mcpTool(String serverUrl) {
    ObjectNode spec =
        (ObjectNode)
            json(
                "{'description':'Searches','type':'mcp','inputSchema':{'type':'object'},"
                    + "'risk':'low','approval':'never'}");
    spec.putObject("mcp").put("serverUrl", serverUrl).put("toolName", "search");
    return spec;
  }

  /** A scripted agent whose one model turn answers {@code answer}. */
  private static JsonNode answeringAgent(String answer) {
    return scriptedAgent(List.of(), answer(answer));
  }

  /** A scripted agent that calls {@code tool} once with {@code arguments}, then answers. */
  private static JsonNode callingAgent(String tool, String arguments, String answer) {
    return scriptedAgent(List.of(tool), calls(Map.of(tool, json(arguments))), answer(answer));
  }

  /** An agent on the builtin scripted model that may call {@code tools} and plays {@code turns}. */
  private static JsonNode scriptedAgent(List<String> tools, JsonNode... turns) {
    ObjectNode spec =
        ServiceApi.JSON
            .createObjectNode()
            .put("description", "A scripted agent")
            .put("kind", "assistant")
            .put("instructions", "Follow the script.");
    ObjectNode model = spec.putObject("model").put("provider", "builtin").put("name", "scripted");
    ArrayNode script = model.putObject("params").putArray("script");
    List.of(turns).forEach(script::add);
    ArrayNode references = spec.putArray("tools");
    tools.forEach(tool -> references.addObject().put("name", tool).put("version", "active"));
    return spec;
  }

  private static JsonNode answer(String text) {
    return ServiceApi.JSON.createObjectNode().put("answer", text);
  }

  /** One model turn calling each tool with its arguments, at once. */
  private static JsonNode calls(Map<String, JsonNode> argumentsByTool) {
    ObjectNode turn = ServiceApi.JSON.createObjectNode();
    ArrayNode calls = turn.putArray("toolCalls");
    argumentsByTool.forEach(
        (tool, arguments) -> calls.addObject().put("tool", tool).set("arguments", arguments));
    return turn;
  }
}
