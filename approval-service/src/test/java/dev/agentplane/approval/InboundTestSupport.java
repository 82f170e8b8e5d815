package dev.agentplane.approval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.approval.InboundSigner.Message;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.UUID;

/**
 * Helpers of the inbound-decision tests: the tenant's decision-callback secret, signed messages
 * sent without a JWT, action links minted by an admin and used anonymously.
 */
abstract class InboundTestSupport extends ApprovalTestSupport {

  @Inject protected InboundRows inboundRows;

  protected String admin(String tenant) {
    return user(tenant, "root", "admin");
  }

  protected String viewer(String tenant) {
    return user(tenant, "v", "viewer");
  }

  /** Makes (or rotates) the tenant's secret as its admin; returns the 201 body. */
  protected JsonNode rotateSecret(String tenant) {
    Reply made = api().post("/v1/webhooks/inbound-secret", admin(tenant), null);
    assertThat(made.status()).as(made.raw()).isEqualTo(201);
    return made.body();
  }

  /** The tenant's new secret. */
  protected String inboundSecret(String tenant) {
    return rotateSecret(tenant).path("secret").asText();
  }

  protected static String decisionsPath(String tenant) {
    return "/v1/webhooks/inbound/" + tenant + "/decisions";
  }

  /** Sends a signed message to the tenant's inbound decisions endpoint, without a JWT. */
  protected Reply send(String tenant, Message message) {
    return api().send("POST", decisionsPath(tenant), null, message.body(), message.headers());
  }

  /** Signs the body now with the secret and sends it. */
  protected Reply sendSigned(String tenant, String secret, String body) {
    return send(tenant, InboundSigner.signed(secret, body));
  }

  /** {@code {approvalId, approver: {subject, roles?}, decision}}. */
  protected static ObjectNode decision(UUID approvalId, String subject, String decision) {
    ObjectNode body = ServiceApi.JSON.createObjectNode();
    body.put("approvalId", approvalId.toString());
    body.putObject("approver").put("subject", subject);
    body.put("decision", decision);
    return body;
  }

  protected static ObjectNode decision(JsonNode approval, String subject, String decision) {
    return decision(idOf(approval), subject, decision);
  }

  protected static ObjectNode withRoles(ObjectNode body, String... roles) {
    ArrayNode array = ((ObjectNode) body.path("approver")).putArray("roles");
    for (String role : roles) {
      array.add(role);
    }
    return body;
  }

  /** The request as a viewer of its tenant reads it. */
  protected JsonNode view(String tenant, JsonNode approval) {
    Reply reply = api().get(pathOf(approval), viewer(tenant));
    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    return reply.body();
  }

  protected JsonNode audit(String tenant, JsonNode approval) {
    Reply reply = api().get(pathOf(approval) + "/audit", viewer(tenant));
    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    return reply.body().path("entries");
  }

  /** Asserts the request is still pending with no decision and only its "requested" audit. */
  protected void assertUntouched(String tenant, JsonNode approval) {
    JsonNode now = view(tenant, approval);
    assertThat(now.path("status").asText()).isEqualTo("pending");
    assertThat(now.path("approvals").asInt()).isZero();
    assertThat(now.path("decisions")).isEmpty();
    assertThat(audit(tenant, approval).findValuesAsText("action")).containsExactly("requested");
  }

  protected static String linkBody(String subject, String validFor, String... roles) {
    ObjectNode body = ServiceApi.JSON.createObjectNode();
    ObjectNode approver = body.putObject("approver").put("subject", subject);
    if (roles.length > 0) {
      ArrayNode array = approver.putArray("roles");
      for (String role : roles) {
        array.add(role);
      }
    }
    if (validFor != null) {
      body.put("validFor", validFor);
    }
    return body.toString();
  }

  protected Reply mintLinks(String tenant, JsonNode approval, String body) {
    return api().post(pathOf(approval) + "/action-links", admin(tenant), body);
  }

  /** Mints the approver's links as the tenant's admin; returns the 201 body. */
  protected JsonNode links(String tenant, JsonNode approval, String subject, String... roles) {
    Reply minted = mintLinks(tenant, approval, linkBody(subject, null, roles));
    assertThat(minted.status()).as(minted.raw()).isEqualTo(201);
    return minted.body();
  }

  /**
   * The service's path of a link URL, to call on this test's server whatever the public URL is
   * (which may add a path of its own in front, as a gateway mounted under a prefix does).
   */
  protected static String pathOfLink(String url) {
    String path = URI.create(url).getRawPath();
    int start = path.indexOf("/v1/webhooks/inbound/");
    assertThat(start).as(url).isNotNegative();
    return path.substring(start);
  }

  protected Reply preview(String url) {
    return api().get(pathOfLink(url), null);
  }

  protected Reply use(String url, String body) {
    return api().post(pathOfLink(url), null, body);
  }
}
