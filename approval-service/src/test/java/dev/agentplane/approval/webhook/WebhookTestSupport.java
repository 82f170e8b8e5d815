package dev.agentplane.approval.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.approval.ApprovalTestSupport;
import dev.agentplane.approval.request.ApprovalNotice;
import dev.agentplane.kit.tenancy.TenantScope;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.context.event.ApplicationEventPublisher;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Base of the webhook tests: {@link ApprovalTestSupport} with loopback receivers allowlisted and
 * the retry schedule shrunk to fractions of a second, and notices published the way the approval
 * core publishes them (inside a transaction).
 */
abstract class WebhookTestSupport extends ApprovalTestSupport {

  @Inject protected ApplicationEventPublisher<ApprovalNotice> noticePublisher;
  @Inject protected TransactionOperations<Connection> transactions;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new HashMap<>(super.getProperties());
    properties.put("agentplane.approval.webhooks.require-https", "false");
    properties.put("agentplane.approval.webhooks.allowed-hosts", "localhost,127.0.0.1");
    properties.put("agentplane.approval.webhooks.retry-schedule", "150ms,150ms,150ms");
    // Long enough that a CPU stall on a loaded machine does not turn into an extra attempt.
    properties.put("agentplane.approval.webhooks.read-timeout", "3s");
    properties.put("agentplane.approval.webhooks.connect-timeout", "3s");
    properties.put("agentplane.approval.webhooks.poll-interval", "100ms");
    return properties;
  }

  protected String admin(String tenant) {
    return tokens.user(tenant, "alice", "admin");
  }

  protected static String subscriptionBody(String url, String... eventTypes) {
    ObjectNode body = ServiceApi.JSON.createObjectNode().put("url", url);
    ArrayNode types = body.putArray("eventTypes");
    for (String type : eventTypes) {
      types.add(type);
    }
    return body.toString();
  }

  /** Subscribes the URL to the event types as the tenant's admin; returns the 201 body. */
  protected JsonNode subscribe(String tenant, String url, String... eventTypes) {
    Reply created = api().post("/v1/webhooks", admin(tenant), subscriptionBody(url, eventTypes));
    assertThat(created.status()).as(created.raw()).isEqualTo(201);
    return created.body();
  }

  /** A notice of the tenant whose data names the approval. */
  protected static ApprovalNotice notice(String tenant, String type) {
    UUID approval = UUID.randomUUID();
    ObjectNode data =
        ServiceApi.JSON
            .createObjectNode()
            .put("id", approval.toString())
            .put("status", type.substring(type.indexOf('.') + 1))
            .put("note", "naïve — ünïcode");
    return new ApprovalNotice(
        UUID.randomUUID(),
        tenant,
        type,
        approval,
        Instant.now().truncatedTo(ChronoUnit.MILLIS),
        data);
  }

  /**
   * Publishes as the approval core does: inside the transaction of the change, scoped to the
   * notices' tenant, which commits. Several notices share that one transaction, as the notices of
   * one change do.
   */
  protected void publish(ApprovalNotice first, ApprovalNotice... more) {
    TenantScope.run(
        first.tenantId(),
        () ->
            transactions.executeWrite(
                status -> {
                  noticePublisher.publishEvent(first);
                  for (ApprovalNotice notice : more) {
                    noticePublisher.publishEvent(notice);
                  }
                  return null;
                }));
  }

  /** The deliveries of the webhook, newest first, as the delivery log shows them. */
  protected JsonNode deliveries(String tenant, String webhookId) {
    Reply log = api().get("/v1/webhooks/" + webhookId + "/deliveries", admin(tenant));
    assertThat(log.status()).as(log.raw()).isEqualTo(200);
    return log.body().path("items");
  }
}
