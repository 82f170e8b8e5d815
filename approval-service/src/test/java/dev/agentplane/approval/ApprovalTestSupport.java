package dev.agentplane.approval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.contracts.Topics;
import dev.agentplane.testkit.RealInfrastructure;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.TestKafka;
import dev.agentplane.testkit.TestTokens;
import io.micronaut.runtime.server.EmbeddedServer;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.UUID;

/**
 * Base of the approval service's API tests: the service on real PostgreSQL and Kafka, an HTTP
 * driver, and a fresh tenant per call of {@link #newTenant()} so tests never see each other's data.
 */
public abstract class ApprovalTestSupport implements RealInfrastructure {

  protected final TestTokens tokens = TestTokens.standard();

  @Inject protected EmbeddedServer server;

  @Inject protected NoticeRecorder notices;

  protected ServiceApi api() {
    return new ServiceApi(server.getURI());
  }

  @Override
  public Map<String, String> getProperties() {
    // The request listener subscribes at start-up; its topic must exist by then.
    TestKafka.get().createTopics(Topics.ALL.toArray(String[]::new));
    return RealInfrastructure.super.getProperties();
  }

  protected static String newTenant() {
    return "t-" + UUID.randomUUID();
  }

  /** A user token named {@code subject} with the roles, for the tenant. */
  protected String user(String tenant, String subject, String... roles) {
    return tokens.user(tenant, subject, roles);
  }

  /** An approver user of the tenant named {@code subject}. */
  protected String approver(String tenant, String subject) {
    return tokens.user(tenant, subject, "approver");
  }

  /** The service that opens requests in these tests ({@code svc-gate}, role internal). */
  protected String gateService(String tenant) {
    return tokens.service(tenant, "svc-gate", "internal");
  }

  /** Opens a request through the API as {@link #gateService} and returns its view. */
  protected JsonNode open(String tenant, Approvals request) {
    Reply created = api().post("/v1/approvals", gateService(tenant), request.json());
    assertThat(created.status()).as(created.raw()).isEqualTo(201);
    return created.body();
  }

  protected static String pathOf(JsonNode approval) {
    return "/v1/approvals/" + approval.path("id").asText();
  }

  protected static UUID idOf(JsonNode approval) {
    return UUID.fromString(approval.path("id").asText());
  }

  protected Reply decide(JsonNode approval, String token, String body) {
    return api().post(pathOf(approval) + "/decisions", token, body);
  }

  protected Reply approve(JsonNode approval, String token) {
    return decide(approval, token, "{\"decision\":\"approve\"}");
  }

  protected Reply reject(JsonNode approval, String token, String reason) {
    return decide(
        approval,
        token,
        ServiceApi.JSON
            .createObjectNode()
            .put("decision", "reject")
            .put("reason", reason)
            .toString());
  }

  /** Asserts the reply is an RFC 9457 problem of this status whose type ends with the slug. */
  protected static void assertProblem(Reply reply, int status, String slug) {
    assertThat(reply.status()).as(reply.raw()).isEqualTo(status);
    assertThat(reply.contentType()).as(reply.raw()).isEqualTo("application/problem+json");
    assertThat(reply.body().path("type").asText()).as(reply.raw()).endsWith("/" + slug);
    assertThat(reply.body().path("status").asInt()).as(reply.raw()).isEqualTo(status);
  }
}
