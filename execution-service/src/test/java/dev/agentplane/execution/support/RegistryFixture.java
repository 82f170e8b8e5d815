package dev.agentplane.execution.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.ApprovalOutcome;
import dev.agentplane.contracts.ApprovalSubject;
import dev.agentplane.contracts.ResourceKind;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.TestTokens;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Agents and tools put into the real registry the way builders do: created, then promoted. */
public final class RegistryFixture {

  private final ServiceApi api = new ServiceApi(SharedRegistry.get().uri());
  private final TestTokens tokens = TestTokens.standard();

  /** Creates a tool and promotes version 1; returns its id. */
  public UUID activeTool(String tenant, String name, JsonNode spec) {
    UUID id = create(tenant, "/v1/tools", name, spec);
    promote(tenant, "/v1/tools/" + id, 1);
    return id;
  }

  /** Creates an agent and promotes version 1; returns its id. */
  public UUID activeAgent(String tenant, String name, JsonNode spec) {
    UUID id = create(tenant, "/v1/agents", name, spec);
    promote(tenant, "/v1/agents/" + id, 1);
    return id;
  }

  /**
   * An idempotent payment tool at {@code paymentsUrl} and an agent {@code payer} that pays 42 to
   * ACME once and answers with the tool's result.
   */
  public void activePayer(String tenant, String paymentsUrl) {
    activeTool(tenant, "pay", ToolSpecs.payment(paymentsUrl, true));
    activeAgent(
        tenant,
        "payer",
        ScriptedAgent.aScriptedAgent()
            .tools("pay")
            .calls("pay", "{'amount': 42, 'to': 'ACME'}")
            .answers("'paid: {{tool.pay}}'")
            .build());
  }

  /** How long {@link #activeNapper(String)}'s napper naps. */
  public static final Duration NAPPER_NAP = Duration.ofMillis(1500);

  /**
   * The builtin {@code sleep} tool and an agent {@code napper} that naps 1.5 s in it, then answers
   * "rested": a run that stays running long enough to watch.
   */
  public void activeNapper(String tenant) {
    activeNapper(tenant, NAPPER_NAP);
  }

  /** A {@code napper} that naps {@code nap}: for tests that do more while one runs. */
  public void activeNapper(String tenant, Duration nap) {
    activeTool(tenant, "sleep", ToolSpecs.sleep());
    activeAgent(tenant, "napper", AgentSpecs.sleepingThenAnswering(nap.toMillis(), "rested"));
  }

  /** Creates an agent whose version 1 stays a draft; returns its id. */
  public UUID draftAgent(String tenant, String name, JsonNode spec) {
    return create(tenant, "/v1/agents", name, spec);
  }

  /** Adds a draft version to an agent (an edit after runs started). */
  public int newAgentDraft(String tenant, UUID agentId, JsonNode spec) {
    ObjectNode body = ServiceApi.JSON.createObjectNode();
    body.set("spec", spec);
    Reply created =
        api.post("/v1/agents/" + agentId + "/versions", builder(tenant), body.toString());
    assertThat(created.status()).as(created.raw()).isEqualTo(201);
    return created.body().path("version").asInt();
  }

  public void promoteAgent(String tenant, UUID agentId, int version) {
    promote(tenant, "/v1/agents/" + agentId, version);
  }

  /** Archives a tool with every version of it (an admin retiring it). */
  public void archiveTool(String tenant, UUID toolId) {
    Reply archived =
        api.post(
            "/v1/tools/" + toolId + ":archive", tokens.user(tenant, "fixture-admin", "admin"), "");
    assertThat(archived.status()).as(archived.raw()).isEqualTo(200);
  }

  public void putSecret(String tenant, String name, String value) {
    Reply put =
        api.put(
            "/v1/secrets/" + name,
            tokens.user(tenant, "fixture-admin", "admin"),
            "{\"value\":\"" + value + "\"}",
            Map.of());
    assertThat(put.status()).as(put.raw()).isIn(201, 204);
  }

  private UUID create(String tenant, String path, String name, JsonNode spec) {
    ObjectNode body = ServiceApi.JSON.createObjectNode().put("name", name);
    body.set("spec", spec);
    Reply created = api.post(path, builder(tenant), body.toString());
    assertThat(created.status()).as(created.raw()).isEqualTo(201);
    return UUID.fromString(created.body().path("resourceId").asText());
  }

  /**
   * Promotes the version; one that needs review (an orchestrator, a high-risk tool) is approved the
   * way the approval service would, by a decision on {@code agentplane.approvals.decided}.
   */
  private void promote(String tenant, String resource, int version) {
    String versionPath = resource + "/versions/" + version;
    Reply promoted = api.post(versionPath + ":promote", builder(tenant), "");
    assertThat(promoted.status()).as(promoted.raw()).isEqualTo(200);
    String outcome = promoted.body().path("outcome").asText();
    if (outcome.equals("pending_approval")) {
      approve(
          tenant,
          resource.startsWith("/v1/agents/") ? ResourceKind.AGENT : ResourceKind.TOOL,
          promoted.body());
      await("review of " + versionPath + " to be applied")
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> api.get(versionPath, builder(tenant)).body().path("status").asText(),
              "active"::equals);
      return;
    }
    assertThat(outcome).as(promoted.raw()).isEqualTo("activated");
  }

  private static void approve(String tenant, ResourceKind kind, JsonNode pending) {
    JsonNode version = pending.path("version");
    ApprovalDecided decision =
        new ApprovalDecided(
            UUID.randomUUID(),
            Instant.now(),
            1,
            tenant,
            UUID.fromString(pending.path("approvalId").asText()),
            ApprovalKind.PROMOTION,
            ApprovalSubject.promotion(
                kind,
                UUID.fromString(version.path("resourceId").asText()),
                version.path("version").asInt()),
            ApprovalOutcome.APPROVED,
            null,
            null,
            null,
            List.of("fixture-approver"),
            Instant.now());
    ApprovalService.publish(decision);
  }

  private String builder(String tenant) {
    return tokens.user(tenant, "fixture-builder", "builder");
  }
}
