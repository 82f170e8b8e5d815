package dev.agentplane.approval;

import static dev.agentplane.approval.Approvals.anApproval;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.approval.request.ApprovalNotice;
import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.ApprovalPolicy;
import dev.agentplane.contracts.ApprovalRequested;
import dev.agentplane.contracts.ApprovalSubject;
import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.ExpiryOutcome;
import dev.agentplane.contracts.PrincipalType;
import dev.agentplane.contracts.Requester;
import dev.agentplane.contracts.Topics;
import dev.agentplane.kit.tenancy.TenantScope;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.TestKafka;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Inject;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Opening requests (API and Kafka), reading the inbox, cancelling, and the audit trail each change
 * leaves.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestsIT extends ApprovalTestSupport {

  @Inject OutboxRows outbox;
  @Inject TransactionOperations<Connection> transactions;

  @Test
  void aServiceOpensACustomGateWithTheDefaultPolicy() {
    String tenant = newTenant();

    Reply created =
        api()
            .post(
                "/v1/approvals",
                gateService(tenant),
                anApproval().reference("deploy/prod/1").json());

    assertThat(created.status()).as(created.raw()).isEqualTo(201);
    JsonNode view = created.body();
    assertThat(created.header("Location")).contains(pathOf(view));
    assertThat(view.path("kind").asText()).isEqualTo("custom");
    assertThat(view.path("subjectKey").asText()).isEqualTo("custom/deploy/prod/1");
    assertThat(view.path("status").asText()).isEqualTo("pending");
    assertThat(view.path("policy").path("requiredApprovals").asInt()).isEqualTo(1);
    assertThat(view.path("policy").path("approverRoles").toString())
        .isEqualTo("[\"approver\",\"admin\"]");
    assertThat(view.path("policy").path("excludeRequester").asBoolean()).isTrue();
    assertThat(view.path("policy").path("onExpiry").asText()).isEqualTo("reject");
    assertThat(view.path("requestedBy").path("subject").asText()).isEqualTo("svc-gate");
    assertThat(view.path("requestedBy").path("principalType").asText()).isEqualTo("service");
    assertThat(api().get(pathOf(view), user(tenant, "v", "viewer")).body()).isEqualTo(view);
    assertThat(notices.typesFor(idOf(view))).containsExactly(ApprovalNotice.TYPE_REQUESTED);
    assertThat(notices.of(idOf(view)).getFirst().data()).isEqualTo(view);
  }

  @Test
  void usersCannotOpenRequests() {
    String tenant = newTenant();

    Reply reply = api().post("/v1/approvals", user(tenant, "root", "admin"), anApproval().json());

    assertProblem(reply, 403, "service-principal-required");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "unknown field          | {\"title\":\"t\",\"subject\":{\"reference\":\"r\"},\"colour\":\"red\"} | /colour",
        "missing title          | {\"subject\":{\"reference\":\"r\"}}                                   | /title",
        "missing subject        | {\"title\":\"t\"}                                                     | /subject",
        "reference not a string | {\"title\":\"t\",\"subject\":{\"reference\":7}}                       | /subject/reference",
        "tool call without run  | {\"kind\":\"tool_call\",\"title\":\"t\",\"subject\":{\"toolCallId\":\"c\"}} | /subject/runId",
        "unknown kind           | {\"kind\":\"vote\",\"title\":\"t\",\"subject\":{\"reference\":\"r\"}}  | /kind",
        "approvals not a number | {\"title\":\"t\",\"subject\":{\"reference\":\"r\"},\"requiredApprovals\":\"two\"} | /requiredApprovals",
        "expiry not a date      | {\"title\":\"t\",\"subject\":{\"reference\":\"r\"},\"expiresAt\":\"tomorrow\"} | /expiresAt",
        "roles not a list       | {\"title\":\"t\",\"subject\":{\"reference\":\"r\"},\"approverRoles\":\"admin\"} | /approverRoles",
        "bad onExpiry           | {\"title\":\"t\",\"subject\":{\"reference\":\"r\"},\"onExpiry\":\"maybe\"} | /onExpiry",
        "bad duration           | {\"title\":\"t\",\"subject\":{\"reference\":\"r\"},\"remindAfter\":\"10 minutes\"} | /remindAfter",
        "not json               | {\"title\":                                                           | ''",
      })
  void malformedBodiesAreA400NamingTheField(String name, String body, String pointer) {
    String tenant = newTenant();

    Reply reply = api().post("/v1/approvals", gateService(tenant), body);

    assertThat(reply.status()).as(reply.raw()).isEqualTo(400);
    assertThat(reply.contentType()).isEqualTo("application/problem+json");
    assertThat(reply.errorPointers()).as(reply.raw()).containsExactly(pointer);
  }

  @Test
  void policiesThatBreakTheRulesAreA422NamingEachField() {
    String tenant = newTenant();

    Reply reply =
        api()
            .post(
                "/v1/approvals",
                gateService(tenant),
                anApproval()
                    .requiring(11)
                    .approverRoles("approver", "wizard")
                    .expiringAt(Instant.now().minusSeconds(60))
                    .remindAfter(Duration.ZERO)
                    .json());

    assertProblem(reply, 422, "validation-failed");
    assertThat(reply.errorPointers())
        .containsExactlyInAnyOrder(
            "/requiredApprovals", "/approverRoles/1", "/expiresAt", "/remindAfter");
  }

  @Test
  void aSubjectHasAtMostOnePendingRequest() {
    String tenant = newTenant();
    JsonNode first = open(tenant, anApproval().reference("deploy/42"));

    Reply again =
        api()
            .post("/v1/approvals", gateService(tenant), anApproval().reference("deploy/42").json());
    assertProblem(again, 409, "subject-pending");
    assertThat(again.body().path("detail").asText()).contains(first.path("id").asText());

    assertThat(reject(first, approver(tenant, "alice"), "no").status()).isEqualTo(200);
    assertThat(
            api()
                .post(
                    "/v1/approvals",
                    gateService(tenant),
                    anApproval().reference("deploy/42").json())
                .status())
        .isEqualTo(201);
  }

  @Test
  void aRedeliveredOrRepeatedRequestEventOpensOneRequestWithTheEventsId() throws Exception {
    String tenant = newTenant();
    UUID approvalId = UUID.randomUUID();
    ApprovalSubject subject = ApprovalSubject.toolCall(UUID.randomUUID(), "call-1");
    ApprovalRequested event = requested(tenant, approvalId, subject);
    // The same event twice, then a new event for the same (still pending) subject, then a
    // sentinel for another subject behind them on the same partition.
    ApprovalRequested repeat = requested(tenant, UUID.randomUUID(), subject);
    ApprovalRequested sentinel =
        requested(tenant, UUID.randomUUID(), ApprovalSubject.toolCall(UUID.randomUUID(), "c"));

    try (KafkaProducer<String, byte[]> producer = TestKafka.get().newProducer()) {
      for (ApprovalRequested sent : List.of(event, event, repeat, sentinel)) {
        producer
            .send(EventEnvelope.toKafkaRecord(sent, URI.create("/agentplane/execution"), null))
            .get();
      }
    }

    String reader = user(tenant, "v", "viewer");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> api().get("/v1/approvals/" + sentinel.approvalId(), reader).status() == 200);
    JsonNode inbox = api().get("/v1/approvals?subject=" + subject.key(), reader).body();
    assertThat(inbox.path("items").findValuesAsText("id")).containsExactly(approvalId.toString());
    JsonNode view = inbox.path("items").get(0);
    assertThat(view.path("kind").asText()).isEqualTo("tool_call");
    assertThat(view.path("requestedBy").path("subject").asText()).isEqualTo("user-operator");
    assertThat(view.path("policy").path("requiredApprovals").asInt()).isEqualTo(2);
    assertThat(api().get("/v1/approvals/" + repeat.approvalId(), reader).status()).isEqualTo(404);
    assertThat(notices.typesFor(approvalId)).containsExactly(ApprovalNotice.TYPE_REQUESTED);
  }

  @Test
  void theInboxPagesNewestFirstAndFilters() {
    String tenant = newTenant();
    List<JsonNode> opened = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      opened.add(open(tenant, anApproval().onBehalfOf(i % 2 == 0 ? "even" : "odd")));
    }
    JsonNode toolCall =
        open(tenant, anApproval().toolCall(DecisionsIT.transfer(1), DecisionsIT.transferSchema()));
    assertThat(reject(opened.get(1), approver(tenant, "alice"), "no").status()).isEqualTo(200);
    String reader = user(tenant, "o", "operator");

    List<String> seen = new ArrayList<>();
    String next = "/v1/approvals?limit=2";
    int pages = 0;
    while (next != null) {
      Reply page = api().get(next, reader);
      assertThat(page.status()).as(page.raw()).isEqualTo(200);
      seen.addAll(page.body().path("items").findValuesAsText("id"));
      next = page.body().hasNonNull("next") ? page.body().path("next").asText() : null;
      pages++;
    }
    List<String> newestFirst = new ArrayList<>();
    newestFirst.add(toolCall.path("id").asText());
    opened.reversed().forEach(o -> newestFirst.add(o.path("id").asText()));
    assertThat(seen).containsExactlyElementsOf(newestFirst);
    assertThat(pages).isEqualTo(3);

    assertThat(ids(api().get("/v1/approvals?status=rejected", reader)))
        .containsExactly(opened.get(1).path("id").asText());
    assertThat(ids(api().get("/v1/approvals?requester=odd&status=pending", reader)))
        .containsExactly(opened.get(3).path("id").asText());
    assertThat(ids(api().get("/v1/approvals?kind=tool_call", reader)))
        .containsExactly(toolCall.path("id").asText());
    assertThat(
            ids(
                api()
                    .get(
                        "/v1/approvals?subject=" + toolCall.path("subject").path("runId").asText(),
                        reader)))
        .containsExactly(toolCall.path("id").asText());
    assertThat(
            ids(
                api()
                    .get(
                        "/v1/approvals?subject=" + opened.get(2).path("subjectKey").asText(),
                        reader)))
        .containsExactly(opened.get(2).path("id").asText());
    assertThat(
            api().get("/v1/approvals?limit=2", reader).body().path("items").get(0).has("decisions"))
        .isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "limit=0, /limit",
    "limit=101, /limit",
    "status=maybe, /status",
    "kind=vote, /kind",
    "cursor=not-a-cursor, /cursor",
  })
  void badInboxQueriesAreA400NamingTheParameter(String query, String pointer) {
    Reply reply = api().get("/v1/approvals?" + query, user(newTenant(), "v", "viewer"));

    assertThat(reply.status()).as(reply.raw()).isEqualTo(400);
    assertThat(reply.errorPointers()).containsExactly(pointer);
  }

  @Test
  void cancellingWithdrawsTheRequestWithoutADecidedEvent() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval());

    assertProblem(
        api().post(pathOf(request) + "/cancel", approver(tenant, "alice"), null), 403, "forbidden");
    assertProblem(
        api().post(pathOf(request) + "/cancel", tokens.service(tenant, "svc-x", "operator"), null),
        403,
        "forbidden");
    Reply cancelled =
        api()
            .post(
                pathOf(request) + "/cancel", gateService(tenant), "{\"reason\":\"run cancelled\"}");

    assertThat(cancelled.status()).as(cancelled.raw()).isEqualTo(200);
    assertThat(cancelled.body().path("status").asText()).isEqualTo("cancelled");
    assertThat(cancelled.body().path("outcome").asText()).isEqualTo("cancelled");
    assertThat(cancelled.body().path("reason").asText()).isEqualTo("run cancelled");
    assertProblem(approve(request, approver(tenant, "alice")), 409, "approval-closed");
    assertThat(notices.typesFor(idOf(request)))
        .containsExactly(ApprovalNotice.TYPE_REQUESTED, ApprovalNotice.TYPE_CANCELLED);
    assertThat(outbox.decidedEventsFor(idOf(request))).isZero();
    try (EventTap tap = new EventTap(Topics.APPROVALS_DECIDED)) {
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> tap.all(ApprovalDecided.class, e -> e.approvalId().equals(idOf(request))),
              List::isEmpty);
    }
  }

  @Test
  void anAdminMayCancelButNotADecidedRequest() {
    String tenant = newTenant();
    JsonNode pending = open(tenant, anApproval());
    JsonNode decided = open(tenant, anApproval());
    assertThat(approve(decided, approver(tenant, "alice")).status()).isEqualTo(200);
    String admin = user(tenant, "root", "admin");

    assertThat(api().post(pathOf(pending) + "/cancel", admin, null).status()).isEqualTo(200);
    assertProblem(api().post(pathOf(decided) + "/cancel", admin, null), 409, "approval-closed");
    assertProblem(api().post(pathOf(pending) + "/cancel", admin, null), 409, "approval-closed");
  }

  @Test
  void theAuditTrailRecordsEveryChangeInOrder() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval().requiring(2).onBehalfOf("requester-1"));
    assertThat(approve(request, approver(tenant, "alice")).status()).isEqualTo(200);
    assertThat(reject(request, approver(tenant, "bob"), "too risky").status()).isEqualTo(200);

    Reply audit = api().get(pathOf(request) + "/audit", user(tenant, "v", "viewer"));

    assertThat(audit.status()).as(audit.raw()).isEqualTo(200);
    JsonNode entries = audit.body().path("entries");
    assertThat(entries.findValuesAsText("action"))
        .containsExactly("requested", "decision_recorded", "decision_recorded", "decided");
    assertThat(entries.findValuesAsText("actor"))
        .containsExactly("requester-1", "alice", "bob", "bob");
    assertThat(entries.get(0).path("detail").path("source").asText()).isEqualTo("api");
    assertThat(entries.get(1).path("detail").path("decision").asText()).isEqualTo("approve");
    assertThat(entries.get(2).path("detail").path("reason").asText()).isEqualTo("too risky");
    assertThat(entries.get(3).path("detail").path("outcome").asText()).isEqualTo("rejected");
    assertThat(entries.get(3).path("detail").path("decidedBy").toString()).isEqualTo("[\"bob\"]");
    for (int i = 1; i < entries.size(); i++) {
      assertThat(Instant.parse(entries.get(i).path("at").asText()))
          .isAfterOrEqualTo(Instant.parse(entries.get(i - 1).path("at").asText()));
    }
  }

  @Test
  void theAuditTrailCannotBeRewritten() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval());

    // In the request's tenant: row-level security would hide its rows from any other scope, and an
    // UPDATE of no row never reaches the trigger.
    for (String sql :
        List.of(
            "UPDATE approval_audit SET actor = 'someone-else' WHERE approval_id = ?",
            "DELETE FROM approval_audit WHERE approval_id = ?")) {
      assertThatThrownBy(
              () ->
                  TenantScope.call(
                      tenant,
                      () ->
                          transactions.executeWrite(
                              status -> {
                                try (PreparedStatement statement =
                                    status.getConnection().prepareStatement(sql)) {
                                  statement.setObject(1, idOf(request));
                                  return statement.executeUpdate();
                                }
                              })))
          .hasStackTraceContaining("append-only");
    }
  }

  private static List<String> ids(Reply page) {
    assertThat(page.status()).as(page.raw()).isEqualTo(200);
    return page.body().path("items").findValuesAsText("id");
  }

  private static ApprovalRequested requested(
      String tenant, UUID approvalId, ApprovalSubject subject) {
    ObjectNode context = ServiceApi.JSON.createObjectNode().put("toolName", "wire-transfer");
    context.set("arguments", DecisionsIT.transfer(1250));
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    return new ApprovalRequested(
        UUID.randomUUID(),
        now,
        1,
        tenant,
        approvalId,
        ApprovalKind.TOOL_CALL,
        subject,
        new Requester("user-operator", List.of("operator"), PrincipalType.USER),
        "Wire 1250 EUR to ACME",
        "The invoice agent wants to pay.",
        context,
        new ApprovalPolicy(
            2, List.of("approver", "admin"), true, now.plusSeconds(3600), ExpiryOutcome.REJECT));
  }
}
