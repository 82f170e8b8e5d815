package dev.agentplane.registry;

import dev.agentplane.contracts.Topics;
import dev.agentplane.testkit.RealInfrastructure;
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

  protected RegistryApi api() {
    return new RegistryApi(server.getURI());
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
}
