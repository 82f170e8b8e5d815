package dev.agentplane.execution.gate;

import static dev.agentplane.execution.support.ScriptedAgent.aScriptedAgent;
import static dev.agentplane.testkit.SpecJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.Topics;
import dev.agentplane.execution.support.RegistryFixture;
import dev.agentplane.execution.support.RunClient;
import dev.agentplane.execution.support.SharedRegistry;
import dev.agentplane.execution.support.ToolSpecs;
import dev.agentplane.testkit.ChildServices;
import dev.agentplane.testkit.CountingToolServer;
import dev.agentplane.testkit.CountingToolServer.Effect;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.ServiceProcess;
import dev.agentplane.testkit.ServiceSpec;
import dev.agentplane.testkit.SseStream.SseEvent;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The human in the loop with nothing played by the test: the real registry, approval service and
 * execution service, each in a child JVM, talking over Kafka; approvers decide through the approval
 * service's API. Promotions that need review and gated tool calls both wait for that decision, and
 * neither a crash of the registry nor a restart of the approval service loses it; a run cancelled
 * while it waits withdraws its request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealApprovalServiceIT {

  @RegisterExtension static final ChildServices services = new ChildServices();

  private static final Duration SOON = Duration.ofSeconds(60);

  private final TestTokens tokens = TestTokens.standard();
  private final RegistryFixture registry = new RegistryFixture();
  private ServiceProcess registryService;
  private ServiceProcess approvalService;
  private ServiceProcess executionService;
  private CountingToolServer api;

  @BeforeAll
  void startServices() {
    TestKafka.get().createTopics(Topics.ALL.toArray(String[]::new));
    registryService = SharedRegistry.get();
    services.watch(registryService);
    approvalService =
        services.launch(
            ServiceSpec.approval(
                "approval", TestPostgres.get().createDatabase("approval-for-execution")));
    executionService =
        services.launch(
            ServiceSpec.execution(
                "execution",
                TestPostgres.get().createDatabase("execution-with-approvals"),
                registryService.uri(),
                approvalService.uri()));
    approvalService.awaitHealthy();
    executionService.awaitHealthy();
    api = CountingToolServer.start();
  }

  @BeforeEach
  void everyServiceRuns() {
    services.ensureRunning(approvalService, executionService);
    registryService.ensureRunning();
  }

  @AfterAll
  void stopToolServer() {
    api.close();
  }

  @Test
  void aReviewedPromotionActivatesThroughARegistryCrashAndAnApprovalServiceRestart() {
    String tenant = newTenant();
    UUID agentId =
        registry.draftAgent(
            tenant, "planner", aScriptedAgent().kind("orchestrator").answers("'planned'").build());
    ServiceApi registryApi = new ServiceApi(registryService.uri());
    String version = "/v1/agents/" + agentId + "/versions/1";
    Reply promoted = registryApi.post(version + ":promote", builder(tenant), "");
    assertThat(promoted.status()).as(promoted.raw()).isEqualTo(200);
    assertThat(promoted.body().path("outcome").asText()).isEqualTo("pending_approval");
    String approvalId = promoted.body().path("approvalId").asText();

    // The registry dies right after the promotion committed; its outbox still holds the request.
    registryService.kill();
    registryService.ensureRunning();
    ServiceApi approvals = new ServiceApi(approvalService.uri());
    JsonNode request =
        await("the review request to reach the approval service")
            .atMost(SOON)
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> approvals.get("/v1/approvals/" + approvalId, approver(tenant)),
                found -> found.status() == 200)
            .body();
    assertThat(request.path("kind").asText()).isEqualTo("promotion");
    assertThat(request.path("status").asText()).isEqualTo("pending");
    assertThat(request.path("subject").path("resourceId").asText()).isEqualTo(agentId.toString());

    // The approval service is restarted (gracefully) with the request pending.
    approvalService.restart();
    Reply decided =
        approvals.post(
            "/v1/approvals/" + approvalId + "/decisions",
            approver(tenant),
            "{\"decision\":\"approve\",\"reason\":\"Reviewed the plan\"}");
    assertThat(decided.status()).as(decided.raw()).isEqualTo(200);
    assertThat(decided.body().path("status").asText()).isEqualTo("approved");

    JsonNode activated =
        await("the registry to activate the version")
            .atMost(SOON)
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> registryApi.get(version, builder(tenant)).body(),
                body -> "active".equals(body.path("status").asText()));
    assertThat(activated.path("version").asInt()).isEqualTo(1);
  }

  @Test
  void aGatedCallApprovedWithEditedArgumentsInTheApprovalServiceIsMadeWithTheEdits() {
    String tenant = newTenant();
    String token = operator(tenant);
    RunClient runs = new RunClient(executionService.uri());
    JsonNode run = aPaymentWaitingForApproval(tenant, "{'amount': 900, 'to': 'ACME'}");

    ServiceApi approvals = new ServiceApi(approvalService.uri());
    JsonNode request = awaitPendingRequestFor(run, approvals, tenant);
    JsonNode asked =
        approvals.get("/v1/approvals/" + request.path("id").asText(), approver(tenant)).body();
    assertThat(asked.path("context").path("arguments"))
        .isEqualTo(json("{'amount':900,'to':'ACME'}"));
    assertThat(api.effects()).noneMatch(effect -> effect.path().contains("/payees/"));

    Reply decided =
        approvals.post(
            "/v1/approvals/" + request.path("id").asText() + "/decisions",
            approver(tenant),
            "{\"decision\":\"approve\",\"editedArguments\":{\"amount\":100,\"to\":\"ACME-Ltd\"}}");
    assertThat(decided.status()).as(decided.raw()).isEqualTo(200);

    JsonNode ended = runs.awaitEnd(token, run, SOON);
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    List<Effect> payments =
        api.effects().stream().filter(effect -> effect.path().contains("/payees/")).toList();
    assertThat(payments)
        .singleElement()
        .satisfies(
            payment -> {
              assertThat(payment.path()).isEqualTo("/payees/ACME-Ltd/payments");
              assertThat(payment.bodyJson()).isEqualTo(json("{'amount':100,'to':'ACME-Ltd'}"));
            });
    List<SseEvent> events = runs.events(token, run);
    RunClient.assertNoGapsOrDuplicates(events);
    SseEvent decision =
        events.stream()
            .filter(event -> event.name().equals("tool.approval_decided"))
            .findFirst()
            .orElseThrow();
    assertThat(decision.path("outcome").asText()).isEqualTo("APPROVED");
    assertThat(decision.path("decidedBy").get(0).asText()).isEqualTo("approver-1");
    assertThat(decision.path("argumentsDiff")).isNotEmpty();
  }

  @Test
  void cancellingARunWaitingForApprovalWithdrawsItsRequestFromTheApprovalService() {
    String tenant = newTenant();
    String token = operator(tenant);
    RunClient runs = new RunClient(executionService.uri());
    JsonNode run = aPaymentWaitingForApproval(tenant, "{'amount': 5, 'to': 'Nobody'}");
    ServiceApi approvals = new ServiceApi(approvalService.uri());
    String approvalPath =
        "/v1/approvals/" + awaitPendingRequestFor(run, approvals, tenant).path("id").asText();

    Reply cancelled =
        new ServiceApi(executionService.uri())
            .post(
                "/v1/runs/" + run.path("id").asText() + "/cancel",
                token,
                "{\"reason\":\"not today\"}");
    assertThat(cancelled.status()).as(cancelled.raw()).isEqualTo(202);

    JsonNode withdrawn =
        await("the approval service to hold the request as cancelled")
            .atMost(SOON)
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> approvals.get(approvalPath, approver(tenant)).body(),
                body -> "cancelled".equals(body.path("status").asText()));
    assertThat(withdrawn.path("decisions")).isEmpty();
    Reply lateDecision =
        approvals.post(approvalPath + "/decisions", approver(tenant), "{\"decision\":\"approve\"}");
    assertThat(lateDecision.status()).as(lateDecision.raw()).isEqualTo(409);
    assertThat(runs.awaitEnd(token, run, SOON).path("status").asText()).isEqualTo("cancelled");
    assertThat(api.effects()).noneMatch(effect -> effect.path().contains("/payees/Nobody"));
  }

  /**
   * Registers a payment tool that always needs approval and an agent that pays with {@code
   * arguments}, starts a run as the tenant's operator, and returns it once it waits for approval.
   */
  private JsonNode aPaymentWaitingForApproval(String tenant, String arguments) {
    registry.activeTool(
        tenant,
        "pay",
        ToolSpecs.gated(ToolSpecs.payment(api.url("/payees/{to}/payments"), true), "'always'"));
    registry.activeAgent(
        tenant,
        "payer",
        aScriptedAgent()
            .tools("pay")
            .calls("pay", arguments)
            .answers("'paid: {{tool.pay}}'")
            .build());
    RunClient runs = new RunClient(executionService.uri());
    JsonNode run = runs.start(operator(tenant), "{\"agent\":\"payer\",\"input\":\"pay\"}");
    runs.awaitStatus(operator(tenant), run, "waiting_approval", SOON);
    return run;
  }

  /** The one pending tool-call request the approval service opened for the run. */
  private JsonNode awaitPendingRequestFor(JsonNode run, ServiceApi approvals, String tenant) {
    JsonNode inbox =
        await("the approval request to reach the approval service")
            .atMost(SOON)
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    approvals
                        .get(
                            "/v1/approvals?status=pending&kind=tool_call&subject="
                                + run.path("id").asText(),
                            approver(tenant))
                        .body()
                        .path("items"),
                items -> items.size() == 1);
    JsonNode request = inbox.get(0);
    assertThat(request.path("subject").path("runId").asText()).isEqualTo(run.path("id").asText());
    return request;
  }

  private static String newTenant() {
    return "t-" + UUID.randomUUID();
  }

  private String operator(String tenant) {
    return tokens.user(tenant, "op-" + tenant.substring(2, 10), "operator");
  }

  private String builder(String tenant) {
    return tokens.user(tenant, "fixture-builder", "builder");
  }

  private String approver(String tenant) {
    return tokens.user(tenant, "approver-1", "approver");
  }
}
