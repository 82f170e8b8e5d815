package dev.agentplane.approval;

import static dev.agentplane.approval.Approvals.anApproval;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.approval.request.ApprovalNotice;
import dev.agentplane.approval.request.ApprovalSweep;
import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.ApprovalOutcome;
import dev.agentplane.contracts.Topics;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Deadlines: expiry (either way), reminders and escalation, driven through a sweep "as of" a later
 * time; plus the scheduled sweep really running.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlaIT extends ApprovalTestSupport {

  @Inject ApprovalSweep sweep;
  @Inject Clock clock;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new HashMap<>(super.getProperties());
    properties.put("agentplane.approval.scheduler.interval", "300ms");
    return properties;
  }

  @Test
  void anUndecidedRequestExpiresRejectedByDefault() {
    String tenant = newTenant();
    Instant now = clock.instant();
    JsonNode request = open(tenant, anApproval().expiringAt(now.plus(Duration.ofHours(1))));

    sweep.sweepAsOf(now.plus(Duration.ofMinutes(59)));
    assertThat(view(tenant, request).path("status").asText()).isEqualTo("pending");
    sweep.sweepAsOf(now.plus(Duration.ofHours(2)));

    JsonNode expired = view(tenant, request);
    assertThat(expired.path("status").asText()).isEqualTo("expired");
    assertThat(expired.path("outcome").asText()).isEqualTo("expired");
    try (EventTap tap = new EventTap(Topics.APPROVALS_DECIDED)) {
      ApprovalDecided decided =
          tap.await(ApprovalDecided.class, e -> e.approvalId().equals(idOf(request)));
      assertThat(decided.outcome()).isEqualTo(ApprovalOutcome.EXPIRED);
      assertThat(decided.decidedBy()).isEmpty();
    }
    assertProblem(approve(request, approver(tenant, "alice")), 409, "approval-closed");
    assertThat(notices.typesFor(idOf(request)))
        .containsExactly(ApprovalNotice.TYPE_REQUESTED, ApprovalNotice.TYPE_EXPIRED);
    JsonNode audit = api().get(pathOf(request) + "/audit", approver(tenant, "a")).body();
    assertThat(audit.path("entries").findValuesAsText("action"))
        .containsExactly("requested", "expired");
    assertThat(audit.path("entries").get(1).path("actor").asText()).isEqualTo("system");
  }

  @Test
  void aRequestThatApprovesOnExpiryPassesTheRequestedArguments() {
    String tenant = newTenant();
    Instant now = clock.instant();
    JsonNode request =
        open(
            tenant,
            anApproval()
                .toolCall(DecisionsIT.transfer(5), DecisionsIT.transferSchema())
                .expiringAt(now.plus(Duration.ofHours(1)))
                .onExpiry("approve"));

    sweep.sweepAsOf(now.plus(Duration.ofHours(2)));

    JsonNode expired = view(tenant, request);
    assertThat(expired.path("status").asText()).isEqualTo("expired");
    assertThat(expired.path("outcome").asText()).isEqualTo("approved");
    try (EventTap tap = new EventTap(Topics.APPROVALS_DECIDED)) {
      ApprovalDecided decided =
          tap.await(ApprovalDecided.class, e -> e.approvalId().equals(idOf(request)));
      assertThat(decided.outcome()).isEqualTo(ApprovalOutcome.APPROVED);
      assertThat(decided.reason()).isEqualTo("approved on expiry");
      assertThat(decided.decidedBy()).isEmpty();
      assertThat(decided.finalArguments()).isEqualTo(DecisionsIT.transfer(5));
    }
  }

  @Test
  void approversAreRemindedOnce() {
    String tenant = newTenant();
    Instant now = clock.instant();
    JsonNode request = open(tenant, anApproval().remindAfter(Duration.ofMinutes(10)));

    sweep.sweepAsOf(now.plus(Duration.ofMinutes(9)));
    assertThat(view(tenant, request).has("remindedAt")).isFalse();
    sweep.sweepAsOf(now.plus(Duration.ofMinutes(11)));
    sweep.sweepAsOf(now.plus(Duration.ofMinutes(30)));

    JsonNode reminded = view(tenant, request);
    assertThat(reminded.path("status").asText()).isEqualTo("pending");
    assertThat(Instant.parse(reminded.path("remindedAt").asText()))
        .isEqualTo(
            now.plus(Duration.ofMinutes(11)).truncatedTo(java.time.temporal.ChronoUnit.MICROS));
    assertThat(notices.typesFor(idOf(request)))
        .containsExactly(ApprovalNotice.TYPE_REQUESTED, ApprovalNotice.TYPE_REMINDER);
  }

  @Test
  void anEscalatedRequestLetsAdminsDecide() {
    String tenant = newTenant();
    Instant now = clock.instant();
    JsonNode request =
        open(tenant, anApproval().approverRoles("approver").escalateAfter(Duration.ofMinutes(30)));
    String admin = user(tenant, "root", "admin");
    assertProblem(approve(request, admin), 403, "not-an-approver");

    sweep.sweepAsOf(now.plus(Duration.ofMinutes(31)));

    JsonNode escalated = view(tenant, request);
    assertThat(escalated.path("policy").path("approverRoles").toString())
        .isEqualTo("[\"approver\",\"admin\"]");
    assertThat(escalated.has("escalatedAt")).isTrue();
    assertThat(notices.typesFor(idOf(request)))
        .containsExactly(ApprovalNotice.TYPE_REQUESTED, ApprovalNotice.TYPE_ESCALATED);
    Reply decided = approve(request, admin);
    assertThat(decided.status()).as(decided.raw()).isEqualTo(200);
    assertThat(decided.body().path("status").asText()).isEqualTo("approved");
    assertThat(
            api()
                .get(pathOf(request) + "/audit", admin)
                .body()
                .path("entries")
                .findValuesAsText("action"))
        .containsExactly("requested", "escalated", "decision_recorded", "decided");
  }

  @Test
  void theScheduledSweepExpiresRequestsByItself() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval().expiringAt(clock.instant().plusSeconds(5)));

    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> view(tenant, request).path("status").asText().equals("expired"));
  }

  private JsonNode view(String tenant, JsonNode request) {
    Reply reply = api().get(pathOf(request), user(tenant, "v", "viewer"));
    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    return reply.body();
  }
}
