package dev.agentplane.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** The approval service as approvers and integrations reach it, through the gateway. */
public final class Approvals {

  private static final Duration ARRIVES_WITHIN = Duration.ofSeconds(60);

  private final ServiceApi gateway;

  public Approvals(Platform platform) {
    this.gateway = platform.gateway();
  }

  /** Waits until the request (opened by a Kafka event) can be read; returns it. */
  public JsonNode awaitRequest(String token, String approvalId) {
    return await("approval request " + approvalId + " to arrive")
        .atMost(ARRIVES_WITHIN)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> gateway.get("/v1/approvals/" + approvalId, token), r -> r.status() == 200)
        .body();
  }

  /** The one pending tool-call request of {@code runId}, once it arrived. */
  public JsonNode awaitPendingToolCall(String token, String runId) {
    JsonNode items =
        await("a pending tool-call approval for run " + runId)
            .atMost(ARRIVES_WITHIN)
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    gateway
                        .get("/v1/approvals?status=pending&kind=tool_call&subject=" + runId, token)
                        .body()
                        .path("items"),
                found -> found.size() == 1);
    return items.get(0);
  }

  /** {@code POST /v1/approvals/{id}/decisions}; asserts the 200 and returns the request. */
  public JsonNode decide(String token, String approvalId, String decision) {
    Reply decided = gateway.post("/v1/approvals/" + approvalId + "/decisions", token, decision);
    assertThat(decided.status()).as(decided.raw()).isEqualTo(200);
    return decided.body();
  }

  /** Makes or rotates the tenant's decision-callback secret as {@code adminToken}; returns it. */
  public String inboundSecret(String adminToken) {
    Reply made = gateway.post("/v1/webhooks/inbound-secret", adminToken, "");
    assertThat(made.status()).as(made.raw()).isEqualTo(201);
    return made.body().path("secret").asText();
  }

  /**
   * Subscribes {@code url} to these event types as {@code adminToken}; returns the signing secret,
   * which the platform shows this once.
   */
  public String subscribe(String adminToken, String url, String... eventTypes) {
    String body =
        ServiceApi.JSON
            .createObjectNode()
            .put("url", url)
            .set("eventTypes", ServiceApi.JSON.valueToTree(eventTypes))
            .toString();
    Reply subscribed = gateway.post("/v1/webhooks", adminToken, body);
    assertThat(subscribed.status()).as(subscribed.raw()).isEqualTo(201);
    return subscribed.body().path("secret").asText();
  }

  /**
   * Posts a decision as a tenant's chat integration does: no token, a Standard Webhooks signature
   * made with {@code secret}, to {@code /v1/webhooks/inbound/{tenant}/decisions} through the
   * gateway.
   */
  public Reply signedDecision(String tenantId, String secret, String messageId, String body) {
    long timestamp = Instant.now().getEpochSecond();
    return gateway.send(
        "POST",
        "/v1/webhooks/inbound/" + tenantId + "/decisions",
        null,
        body,
        Map.of(
            "webhook-id", messageId,
            "webhook-timestamp", Long.toString(timestamp),
            "webhook-signature", WebhookSignature.sign(secret, messageId, timestamp, body)));
  }

  /** A fresh message id for {@link #signedDecision}. */
  public static String newMessageId() {
    return "msg_" + UUID.randomUUID();
  }
}
