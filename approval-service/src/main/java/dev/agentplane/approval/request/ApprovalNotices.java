package dev.agentplane.approval.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.event.ApplicationEventPublisher;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.UUID;

/**
 * Tells in-process subscribers (webhook fan-out) about a change, inside the change's transaction,
 * with the request exactly as {@code GET /v1/approvals/{id}} now shows it.
 */
@Singleton
class ApprovalNotices {

  private static final ObjectMapper TREES = new ObjectMapper();

  private final ApplicationEventPublisher<ApprovalNotice> publisher;
  private final ApprovalRepository requests;
  private final JsonMapper json;

  ApprovalNotices(
      ApplicationEventPublisher<ApprovalNotice> publisher,
      ApprovalRepository requests,
      JsonMapper json) {
    this.publisher = publisher;
    this.requests = requests;
    this.json = json;
  }

  /** Publishes a notice of {@code type} about the request as stored now; returns that view. */
  ApprovalView publish(String type, String tenantId, UUID approvalId, Instant at) {
    ApprovalView view =
        ApprovalView.of(
            requests.find(tenantId, approvalId).orElseThrow(),
            requests.decisions(tenantId, approvalId));
    publisher.publishEvent(
        new ApprovalNotice(UUID.randomUUID(), tenantId, type, approvalId, at, tree(view)));
    return view;
  }

  private JsonNode tree(ApprovalView view) {
    try {
      // Through the API's own serializer, so subscribers see what GET shows, field for field.
      return TREES.readTree(json.writeValueAsBytes(view));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
