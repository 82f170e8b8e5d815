package dev.agentplane.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import java.time.Duration;
import java.util.Map;

/**
 * The registry as its users reach it, through the gateway: secrets, tools and agents, their
 * versions, validation and promotion. Methods that assert say so; the rest return the {@link Reply}
 * so a test can look at a refusal.
 */
public final class Registry {

  private static final Duration REVIEW_WITHIN = Duration.ofSeconds(60);

  private final ServiceApi gateway;
  private final Approvals approvals;

  public Registry(Platform platform) {
    this.gateway = platform.gateway();
    this.approvals = new Approvals(platform);
  }

  /** {@code PUT /v1/secrets/{name}} as {@code token}; asserts it was stored. */
  public void putSecret(String token, String name, String value) {
    ObjectNode body = ServiceApi.JSON.createObjectNode().put("value", value);
    Reply stored = gateway.put("/v1/secrets/" + name, token, body.toString(), Map.of());
    assertThat(stored.status()).as(stored.raw()).isIn(201, 204);
  }

  /** {@code POST /v1/tools} or {@code /v1/agents}: the reply (201 with the version 1 draft). */
  public Reply create(String kind, String token, String name, JsonNode spec) {
    ObjectNode body = ServiceApi.JSON.createObjectNode().put("name", name);
    body.set("spec", spec);
    return gateway.post("/v1/" + kind, token, body.toString());
  }

  /** Creates a draft and returns the resource id; asserts the 201. */
  public String draft(String kind, String token, String name, JsonNode spec) {
    Reply created = create(kind, token, name, spec);
    assertThat(created.status()).as(created.raw()).isEqualTo(201);
    return created.body().path("resourceId").asText();
  }

  /** {@code POST …/versions/{n}:validate}: the report. */
  public JsonNode validate(String kind, String token, String id, int version) {
    Reply report = gateway.post(versionPath(kind, id, version) + ":validate", token, "");
    assertThat(report.status()).as(report.raw()).isEqualTo(200);
    return report.body();
  }

  /** {@code GET …/versions/{n}}. */
  public Reply version(String kind, String token, String id, int version) {
    return gateway.get(versionPath(kind, id, version), token);
  }

  /** Replaces a draft's spec with {@code If-Match} of its current ETag; asserts the 200. */
  public JsonNode replaceDraft(String kind, String token, String id, int version, JsonNode spec) {
    Reply current = version(kind, token, id, version);
    assertThat(current.status()).as(current.raw()).isEqualTo(200);
    ObjectNode body = ServiceApi.JSON.createObjectNode();
    body.set("spec", spec);
    Reply replaced =
        gateway.put(
            versionPath(kind, id, version),
            token,
            body.toString(),
            Map.of("If-Match", current.header("ETag").orElseThrow()));
    assertThat(replaced.status()).as(replaced.raw()).isEqualTo(200);
    return replaced.body();
  }

  /** {@code POST …/versions/{n}:promote}: the reply. */
  public Reply promote(String kind, String token, String id, int version) {
    return gateway.post(versionPath(kind, id, version) + ":promote", token, "");
  }

  /** Waits until the version is {@code status} ({@code active}, {@code archived}, …). */
  public JsonNode awaitStatus(String kind, String token, String id, int version, String status) {
    return await(kind + " " + id + " v" + version + " to be " + status)
        .atMost(REVIEW_WITHIN)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> version(kind, token, id, version).body(),
            body -> status.equals(body.path("status").asText()));
  }

  /**
   * Creates version 1 of a tool or agent as the tenant's builder and makes it active: promoted, and
   * approved by the tenant's approver when the promotion waits for review. Returns the id.
   */
  public String active(Tenant tenant, String kind, String name, JsonNode spec) {
    String id = draft(kind, tenant.builder(), name, spec);
    Reply promoted = promote(kind, tenant.builder(), id, 1);
    assertThat(promoted.status()).as(promoted.raw()).isEqualTo(200);
    if ("pending_approval".equals(promoted.body().path("outcome").asText())) {
      String approvalId = promoted.body().path("approvalId").asText();
      approvals.awaitRequest(tenant.approver(), approvalId);
      approvals.decide(tenant.approver(), approvalId, "{\"decision\":\"approve\"}");
      awaitStatus(kind, tenant.builder(), id, 1, "active");
    }
    return id;
  }

  private static String versionPath(String kind, String id, int version) {
    return "/v1/" + kind + "/" + id + "/versions/" + version;
  }
}
