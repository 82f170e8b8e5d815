package dev.agentplane.registry;

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
 * Base of the registry's API tests: the service on real PostgreSQL and Kafka, an HTTP driver, and a
 * fresh tenant per call of {@link #newTenant()} so tests never see each other's data.
 */
public abstract class RegistryTestSupport implements RealInfrastructure {

  protected final TestTokens tokens = TestTokens.standard();

  @Inject protected EmbeddedServer server;

  protected ServiceApi api() {
    return new ServiceApi(server.getURI());
  }

  @Override
  public Map<String, String> getProperties() {
    // The review listener subscribes at start-up; its topic must exist by then.
    TestKafka.get().createTopics(Topics.ALL.toArray(String[]::new));
    return RealInfrastructure.super.getProperties();
  }

  protected static String newTenant() {
    return "t-" + UUID.randomUUID();
  }

  /** A user token with the roles, for the tenant. */
  protected String user(String tenant, String... roles) {
    return tokens.user(tenant, "user-" + String.join("-", roles), roles);
  }

  /** A service-principal token with the roles, for the tenant. */
  protected String service(String tenant, String... roles) {
    return tokens.service(tenant, "svc-" + String.join("-", roles), roles);
  }

  /**
   * Creates an agent or tool ({@code kind} is {@code agents} or {@code tools}) as a builder of the
   * tenant and returns its version 1.
   */
  protected JsonNode newResource(String tenant, String kind, String name, JsonNode spec) {
    Reply created =
        api().post("/v1/" + kind, user(tenant, "builder"), Specs.createBody(name, spec));
    assertThat(created.status()).as(created.raw()).isEqualTo(201);
    return created.body();
  }

  /** {@code /v1/{kind}/{resourceId}/versions/{number}}. */
  protected static String versionOf(String kind, JsonNode version, int number) {
    return "/v1/" + kind + "/" + version.path("resourceId").asText() + "/versions/" + number;
  }

  /** {@code /v1/{kind}/{resourceId}}. */
  protected static String resourceOf(String kind, JsonNode version) {
    return "/v1/" + kind + "/" + version.path("resourceId").asText();
  }

  /** Asserts the reply is an RFC 9457 problem of this status whose type ends with the slug. */
  protected static void assertProblem(Reply reply, int status, String slug) {
    assertThat(reply.status()).as(reply.raw()).isEqualTo(status);
    assertThat(reply.contentType()).as(reply.raw()).isEqualTo("application/problem+json");
    assertThat(reply.body().path("type").asText()).as(reply.raw()).endsWith("/" + slug);
    assertThat(reply.body().path("status").asInt()).as(reply.raw()).isEqualTo(status);
  }
}
