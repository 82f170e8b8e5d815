package dev.agentplane.approval.webhook;

import static dev.agentplane.approval.Approvals.anApproval;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.approval.request.ApprovalNotice;
import dev.agentplane.testkit.ServiceApi;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The whole path a subscriber relies on: a request opened and decided through the API (not a notice
 * published by the test) reaches a subscribed receiver as signed webhooks, one requested and one
 * decided, each carrying the request as the API showed it then. (Webhooks promise no order; the
 * receiver sorts by type.)
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApprovalToWebhookIT extends WebhookTestSupport {

  private static final Duration DEADLINE = Duration.ofSeconds(20);

  @Test
  void anApprovalOpenedAndDecidedThroughTheApiReachesTheSubscriberSigned() throws Exception {
    String tenant = newTenant();
    try (Receiver receiver = Receiver.start()) {
      JsonNode webhook =
          subscribe(
              tenant,
              receiver.url("/hooks"),
              ApprovalNotice.TYPE_REQUESTED,
              ApprovalNotice.TYPE_DECIDED);
      String secret = webhook.path("secret").asText();

      JsonNode approval = open(tenant, anApproval().requiring(1));
      assertThat(approve(approval, approver(tenant, "bob")).status()).isEqualTo(200);

      await().atMost(DEADLINE).until(() -> receiver.received().size() == 2);
      List<JsonNode> bodies =
          receiver.received().stream()
              .peek(message -> assertThat(IndependentVerifier.verifies(message, secret)).isTrue())
              .map(message -> read(message.body()))
              .toList();
      assertThat(bodies)
          .extracting(body -> body.path("type").asText())
          .containsExactlyInAnyOrder(ApprovalNotice.TYPE_REQUESTED, ApprovalNotice.TYPE_DECIDED);
      assertThat(bodies)
          .allSatisfy(
              body -> assertThat(body.path("data").path("id")).isEqualTo(approval.path("id")));
      assertThat(ofType(bodies, ApprovalNotice.TYPE_REQUESTED).path("status").asText())
          .isEqualTo("pending");
      JsonNode decided = ofType(bodies, ApprovalNotice.TYPE_DECIDED);
      assertThat(decided.path("status").asText()).isEqualTo("approved");
      assertThat(decided.path("decisions").get(0).path("approver").asText()).isEqualTo("bob");
      assertThat(decided).isEqualTo(api().get(pathOf(approval), admin(tenant)).body());
    }
  }

  @Test
  void aSubscriberOfDecisionsOnlyHearsNothingWhileARequestWaits() throws Exception {
    String tenant = newTenant();
    try (Receiver decisionsOnly = Receiver.start();
        Receiver everything = Receiver.start()) {
      JsonNode quiet = subscribe(tenant, decisionsOnly.url("/hooks"), ApprovalNotice.TYPE_DECIDED);
      subscribe(tenant, everything.url("/hooks"), ApprovalNotice.TYPE_REQUESTED);

      open(tenant, anApproval().requiring(1));

      // Deliveries are queued in the request's own transaction: none was queued for the filter.
      assertThat(deliveries(tenant, quiet.path("id").asText())).isEmpty();
      await().atMost(DEADLINE).until(() -> everything.received().size() == 1);
      assertThat(decisionsOnly.received()).isEmpty();
    }
  }

  private static JsonNode ofType(List<JsonNode> bodies, String type) {
    return bodies.stream()
        .filter(body -> body.path("type").asText().equals(type))
        .findFirst()
        .orElseThrow()
        .path("data");
  }

  private static JsonNode read(byte[] body) {
    try {
      return ServiceApi.JSON.readTree(new String(body, StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
