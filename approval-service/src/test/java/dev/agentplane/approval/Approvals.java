package dev.agentplane.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.testkit.ServiceApi;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Builds {@code POST /v1/approvals} bodies: {@code anApproval().custom()...json()} or {@code
 * anApproval().toolCall(arguments, inputSchema)...}.
 */
public final class Approvals {

  private final ObjectNode body = ServiceApi.JSON.createObjectNode();

  private Approvals() {
    body.put("kind", "custom");
    body.putObject("subject").put("reference", "deploy/" + UUID.randomUUID());
    body.put("title", "Deploy to production");
    body.put("summary", "The release train wants to ship.");
  }

  /** A custom gate with a fresh reference, every policy field at its default. */
  public static Approvals anApproval() {
    return new Approvals();
  }

  /** A gated tool call of a fresh run with these arguments and input schema. */
  public Approvals toolCall(JsonNode arguments, JsonNode inputSchema) {
    body.put("kind", "tool_call");
    body.putObject("subject").put("runId", UUID.randomUUID().toString()).put("toolCallId", "c1");
    ObjectNode context = body.putObject("context").put("toolName", "wire-transfer");
    context.set("arguments", arguments);
    context.set("inputSchema", inputSchema);
    return this;
  }

  public Approvals reference(String reference) {
    body.putObject("subject").put("reference", reference);
    return this;
  }

  public Approvals requiring(int approvals) {
    body.put("requiredApprovals", approvals);
    return this;
  }

  public Approvals approverRoles(String... roles) {
    var array = body.putArray("approverRoles");
    for (String role : roles) {
      array.add(role);
    }
    return this;
  }

  public Approvals onBehalfOf(String subject) {
    body.put("requestedBy", subject);
    return this;
  }

  public Approvals expiringAt(Instant at) {
    body.put("expiresAt", at.toString());
    return this;
  }

  public Approvals onExpiry(String outcome) {
    body.put("onExpiry", outcome);
    return this;
  }

  public Approvals remindAfter(Duration after) {
    body.put("remindAfter", after.toString());
    return this;
  }

  public Approvals escalateAfter(Duration after) {
    body.put("escalateAfter", after.toString());
    return this;
  }

  public Approvals with(String field, JsonNode value) {
    body.set(field, value);
    return this;
  }

  public String json() {
    return body.toString();
  }
}
