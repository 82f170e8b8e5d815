package dev.agentplane.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.SpecJson;
import dev.agentplane.testkit.TestTokens;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * A tenant of a scenario and its people (an admin who also builds and operates, an approver), with
 * the registry work every scenario starts with: tools and agents made active through the gateway,
 * reviews approved where a high-risk tool asks for one.
 */
public final class BenchTenant {

  private static final TestTokens TOKENS = TestTokens.standard();

  private final String id;
  private final ServiceApi gateway;

  private BenchTenant(String id, ServiceApi gateway) {
    this.id = id;
    this.gateway = gateway;
  }

  /**
   * The tenant of scenario 6, which parks 10,000 runs for approval on purpose: the stack gives it a
   * queued-runs quota above the default's 1,000 ({@link BenchStack}), as a tenant on a larger tier.
   */
  public static final String PARKING_TENANT = "paused-parking";

  /**
   * The flooding tenant A of scenario 9: the one tenant the stack leaves on the deployment's
   * default step rate ({@link BenchStack}), as the scenario is about what the quotas do.
   */
  public static final String NOISY_TENANT = "noisy-neighbour";

  /** The tenant {@code id} itself, for a tenant the stack is configured for. */
  public static BenchTenant withId(String id, BenchStack stack) {
    return new BenchTenant(id, stack.gatewayApi());
  }

  /** A fresh tenant whose id starts with {@code name}. */
  public static BenchTenant named(String name, BenchStack stack) {
    return new BenchTenant(
        name + "-" + UUID.randomUUID().toString().substring(0, 8), stack.gatewayApi());
  }

  public String id() {
    return id;
  }

  /** An admin: may register, promote, run. */
  public String admin() {
    return TOKENS.user(id, "ada", "admin");
  }

  /** An approver (not the admin, so reviews are not self-approved). */
  public String approver() {
    return TOKENS.user(id, "ann", "approver");
  }

  /** Creates version 1 of a tool or agent and makes it active; returns its id. */
  public String active(String kind, String name, String spec) {
    ObjectNode body = ServiceApi.JSON.createObjectNode().put("name", name);
    body.set("spec", SpecJson.json(spec));
    Reply created = gateway.post("/v1/" + kind, admin(), body.toString());
    expect(created, 201);
    String resourceId = created.body().path("resourceId").asText();
    String version = "/v1/" + kind + "/" + resourceId + "/versions/1";
    Reply promoted = gateway.post(version + ":promote", admin(), "");
    expect(promoted, 200);
    if ("pending_approval".equals(promoted.body().path("outcome").asText())) {
      String review = promoted.body().path("approvalId").asText();
      // The review request reaches the approval service through Kafka: a moment after the 200.
      awaitStatus("/v1/approvals/" + review, approver(), "pending");
      expect(
          gateway.post(
              "/v1/approvals/" + review + "/decisions", approver(), "{\"decision\":\"approve\"}"),
          200,
          201);
      awaitStatus(version, admin(), "active");
    }
    return resourceId;
  }

  private void awaitStatus(String path, String token, String status) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      Reply reply = gateway.get(path, token);
      if (reply.status() == 200 && status.equals(reply.body().path("status").asText())) {
        return;
      }
      LockSupport.parkNanos(100_000_000);
    }
    throw new IllegalStateException(path + " did not become " + status + " within 60 s");
  }

  static Reply expect(Reply reply, int... statuses) {
    for (int status : statuses) {
      if (reply.status() == status) {
        return reply;
      }
    }
    throw new IllegalStateException("Unexpected " + reply.status() + ": " + reply.raw());
  }
}
