package dev.agentplane.approval;

import static dev.agentplane.approval.Approvals.anApproval;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.approval.request.ApprovalNotice;
import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.ApprovalOutcome;
import dev.agentplane.contracts.Topics;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Approvers decide: quorum, rejection, who may decide, edits, and races on the last slot. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DecisionsIT extends ApprovalTestSupport {

  @Inject OutboxRows outbox;

  @Test
  void twoOfThreeApprovalsDecideApprovedAndTheThirdApproverIsTooLate() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval().requiring(2));

    Reply first = approve(request, approver(tenant, "alice"));
    assertThat(first.status()).as(first.raw()).isEqualTo(200);
    assertThat(first.body().path("status").asText()).isEqualTo("pending");
    assertThat(first.body().path("approvals").asInt()).isEqualTo(1);

    Reply second = approve(request, approver(tenant, "bob"));
    assertThat(second.status()).as(second.raw()).isEqualTo(200);
    assertThat(second.body().path("status").asText()).isEqualTo("approved");
    assertThat(second.body().path("outcome").asText()).isEqualTo("approved");
    assertThat(second.body().path("decidedAt").isTextual()).isTrue();
    assertThat(second.body().path("decisions").findValuesAsText("approver"))
        .containsExactly("alice", "bob");

    assertProblem(approve(request, approver(tenant, "carol")), 409, "approval-closed");
    try (EventTap tap = new EventTap(Topics.APPROVALS_DECIDED)) {
      ApprovalDecided decided =
          tap.await(ApprovalDecided.class, e -> e.approvalId().equals(idOf(request)));
      assertThat(decided.outcome()).isEqualTo(ApprovalOutcome.APPROVED);
      assertThat(decided.decidedBy()).containsExactly("alice", "bob");
      assertThat(decided.tenantId()).isEqualTo(tenant);
    }
    assertThat(notices.typesFor(idOf(request)))
        .containsExactly(ApprovalNotice.TYPE_REQUESTED, ApprovalNotice.TYPE_DECIDED);
    ApprovalNotice decidedNotice = notices.of(idOf(request)).getLast();
    assertThat(decidedNotice.data())
        .isEqualTo(api().get(pathOf(request), approver(tenant, "x")).body());
  }

  @Test
  void aRejectionDecidesAtOnceWhateverTheQuorum() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval().requiring(3));
    assertThat(approve(request, approver(tenant, "alice")).status()).isEqualTo(200);

    Reply rejected = reject(request, approver(tenant, "bob"), "Not during the freeze");

    assertThat(rejected.status()).as(rejected.raw()).isEqualTo(200);
    assertThat(rejected.body().path("status").asText()).isEqualTo("rejected");
    assertThat(rejected.body().path("reason").asText()).isEqualTo("Not during the freeze");
    try (EventTap tap = new EventTap(Topics.APPROVALS_DECIDED)) {
      ApprovalDecided decided =
          tap.await(ApprovalDecided.class, e -> e.approvalId().equals(idOf(request)));
      assertThat(decided.outcome()).isEqualTo(ApprovalOutcome.REJECTED);
      assertThat(decided.reason()).isEqualTo("Not during the freeze");
      assertThat(decided.decidedBy()).containsExactly("bob");
    }
  }

  @Test
  void aRejectionNeedsAReason() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval());

    Reply reply = decide(request, approver(tenant, "alice"), "{\"decision\":\"reject\"}");

    assertProblem(reply, 422, "validation-failed");
    assertThat(reply.errorPointers()).containsExactly("/reason");
    assertThat(api().get(pathOf(request), approver(tenant, "alice")).body().path("decisions"))
        .isEmpty();
  }

  @Test
  void theRequesterCannotApproveTheirOwnRequest() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval().onBehalfOf("mallory"));

    Reply reply = approve(request, approver(tenant, "mallory"));

    assertProblem(reply, 403, "requester-cannot-decide");
    assertThat(approve(request, approver(tenant, "alice")).body().path("status").asText())
        .isEqualTo("approved");
  }

  @Test
  void theRequesterMayDecideWhenThePolicyAllowsIt() {
    String tenant = newTenant();
    JsonNode request =
        open(
            tenant,
            anApproval()
                .onBehalfOf("mallory")
                .with("excludeRequester", ServiceApi.JSON.getNodeFactory().booleanNode(false)));

    assertThat(approve(request, approver(tenant, "mallory")).status()).isEqualTo(200);
  }

  @Test
  void anApproverDecidesAtMostOnce() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval().requiring(2));
    assertThat(approve(request, approver(tenant, "alice")).status()).isEqualTo(200);

    assertProblem(approve(request, approver(tenant, "alice")), 409, "already-decided");
    assertProblem(
        reject(request, approver(tenant, "alice"), "changed my mind"), 409, "already-decided");
    assertThat(api().get(pathOf(request), approver(tenant, "x")).body().path("approvals").asInt())
        .isEqualTo(1);
  }

  @Test
  void aDecidedRequestTakesNoMoreDecisions() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval());
    assertThat(reject(request, approver(tenant, "alice"), "no").status()).isEqualTo(200);

    assertProblem(approve(request, approver(tenant, "bob")), 409, "approval-closed");
    assertProblem(reject(request, approver(tenant, "carol"), "no"), 409, "approval-closed");
  }

  @ParameterizedTest(name = "{0} may decide: {1}")
  @CsvSource({
    "viewer, false",
    "builder, false",
    "operator, false",
    "approver, true",
    "admin, true",
  })
  void onlyTheRequestsApproverRolesDecide(String role, boolean allowed) {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval());

    Reply reply = approve(request, user(tenant, "someone-" + role, role));

    if (allowed) {
      assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
      assertThat(reply.body().path("status").asText()).isEqualTo("approved");
    } else {
      assertProblem(reply, 403, "not-an-approver");
      assertThat(
              api()
                  .get(pathOf(request), user(tenant, "v", "viewer"))
                  .body()
                  .path("status")
                  .asText())
          .isEqualTo("pending");
    }
  }

  @Test
  void anAdminDecidesOnlyWhenTheRequestListsAdmins() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval().approverRoles("approver"));

    assertProblem(approve(request, user(tenant, "root", "admin")), 403, "not-an-approver");
    assertThat(approve(request, approver(tenant, "alice")).status()).isEqualTo(200);
  }

  @Test
  void anApproverMayEditToolCallArgumentsWithinTheToolsSchema() {
    String tenant = newTenant();
    JsonNode request =
        open(tenant, anApproval().toolCall(transfer(1250), transferSchema()).requiring(2));

    Reply first =
        decide(request, approver(tenant, "alice"), approveWith(transfer(1000)).toString());
    assertThat(first.status()).as(first.raw()).isEqualTo(200);
    assertThat(first.body().path("decisions").get(0).path("argumentsDiff").toString())
        .isEqualTo("[{\"op\":\"replace\",\"path\":\"/amount\",\"value\":1000}]");
    Reply second = decide(request, approver(tenant, "bob"), approveWith(transfer(900)).toString());

    assertThat(second.status()).as(second.raw()).isEqualTo(200);
    // The last approving edit wins.
    assertThat(second.body().path("finalArguments")).isEqualTo(transfer(900));
    assertThat(second.body().path("argumentsDiff").toString())
        .isEqualTo("[{\"op\":\"replace\",\"path\":\"/amount\",\"value\":900}]");
    try (EventTap tap = new EventTap(Topics.APPROVALS_DECIDED)) {
      ApprovalDecided decided =
          tap.await(ApprovalDecided.class, e -> e.approvalId().equals(idOf(request)));
      assertThat(decided.finalArguments()).isEqualTo(transfer(900));
      assertThat(decided.argumentsDiff()).isEqualTo(second.body().path("argumentsDiff"));
    }
  }

  @Test
  void anApprovalWithoutEditsPassesTheRequestedArguments() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval().toolCall(transfer(10), transferSchema()));

    Reply approved = approve(request, approver(tenant, "alice"));

    assertThat(approved.body().path("finalArguments")).isEqualTo(transfer(10));
    assertThat(approved.body().has("argumentsDiff")).isFalse();
  }

  @Test
  void editsThatBreakTheToolsSchemaAreRefusedNamingTheField() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval().toolCall(transfer(1250), transferSchema()));
    ObjectNode bad = transfer(1000);
    bad.put("amount", "a thousand");
    bad.remove("payee");

    Reply reply = decide(request, approver(tenant, "alice"), approveWith(bad).toString());

    assertProblem(reply, 422, "validation-failed");
    assertThat(reply.errorPointers())
        .containsExactlyInAnyOrder("/editedArguments/amount", "/editedArguments/payee");
    assertThat(reply.errorCodes()).containsExactlyInAnyOrder("type", "required");
    assertThat(api().get(pathOf(request), approver(tenant, "x")).body().path("status").asText())
        .isEqualTo("pending");
  }

  @Test
  void onlyToolCallsHaveArgumentsToEdit() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval());

    Reply reply = decide(request, approver(tenant, "alice"), approveWith(transfer(1)).toString());

    assertProblem(reply, 422, "validation-failed");
    assertThat(reply.errorPointers()).containsExactly("/editedArguments");
  }

  @Test
  void racingApproversOnTheLastSlotProduceExactlyOneOutcome() throws Exception {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval().requiring(3));
    assertThat(approve(request, approver(tenant, "first")).status()).isEqualTo(200);
    assertThat(approve(request, approver(tenant, "second")).status()).isEqualTo(200);
    int racers = 16;
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < racers; i++) {
      tokens.add(approver(tenant, "racer-" + i));
    }

    CountDownLatch start = new CountDownLatch(1);
    List<Future<Reply>> replies = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(racers)) {
      for (String token : tokens) {
        replies.add(
            pool.submit(
                () -> {
                  start.await();
                  return approve(request, token);
                }));
      }
      start.countDown();
    }
    List<Integer> statuses = new ArrayList<>();
    for (Future<Reply> reply : replies) {
      statuses.add(reply.get().status());
    }

    assertThat(statuses).filteredOn(s -> s == 200).hasSize(1);
    assertThat(statuses).filteredOn(s -> s == 409).hasSize(racers - 1);
    JsonNode view = api().get(pathOf(request), approver(tenant, "x")).body();
    assertThat(view.path("status").asText()).isEqualTo("approved");
    assertThat(view.path("approvals").asInt()).isEqualTo(3);
    assertThat(outbox.decidedEventsFor(idOf(request))).isEqualTo(1);
    try (EventTap tap = new EventTap(Topics.APPROVALS_DECIDED)) {
      tap.await(ApprovalDecided.class, e -> e.approvalId().equals(idOf(request)));
      // Then nothing more arrives for it: the relay has sent its one row (checked above).
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  tap.all(ApprovalDecided.class, e -> e.approvalId().equals(idOf(request))).size(),
              count -> count == 1);
    }
    assertThat(notices.typesFor(idOf(request)))
        .filteredOn(ApprovalNotice.TYPE_DECIDED::equals)
        .hasSize(1);
  }

  private static ObjectNode approveWith(JsonNode edited) {
    ObjectNode body = ServiceApi.JSON.createObjectNode().put("decision", "approve");
    body.set("editedArguments", edited);
    return body;
  }

  static ObjectNode transfer(int amount) {
    return ServiceApi.JSON
        .createObjectNode()
        .put("amount", amount)
        .put("currency", "EUR")
        .put("payee", "ACME");
  }

  static JsonNode transferSchema() {
    ObjectNode schema = ServiceApi.JSON.createObjectNode().put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    properties.putObject("amount").put("type", "number").put("maximum", 5000);
    properties.putObject("currency").put("type", "string");
    properties.putObject("payee").put("type", "string");
    schema.putArray("required").add("amount").add("currency").add("payee");
    schema.put("additionalProperties", false);
    return schema;
  }
}
