package dev.agentplane.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.RSAKey;
import dev.agentplane.testkit.TestIdentityProvider;
import dev.agentplane.testkit.TestPostgres;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Key retirement at the edge: a key withdrawn from the JWKS stops opening the gateway once its key
 * cache expires, although the gateway remembered the token as verified (for an hour, here), and a
 * token's own {@code jku} is never fetched. The rest of rotation is the service kit's {@code
 * JwksRotationIT}; the gateway runs the same key source.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwksKeyRetirementIT {

  private static final Duration CACHE_TTL = Duration.ofSeconds(2);
  // The TTL, then a request that finds the cache expired; the await's bound, timed here, around
  // polls through the
  // gateway, which a loaded machine can hold up for seconds.
  private static final Duration WITHDRAWAL_NOTICED_WITHIN = CACHE_TTL.plusSeconds(5);

  private final RSAKey staying = TestIdentityProvider.newRsaKey("staying");
  private final RSAKey retiring = TestIdentityProvider.newRsaKey("retiring");
  private TestIdentityProvider identityProvider;
  private TestIdentityProvider attacker;
  private StubUpstream registry;
  private RunningGateway gateway;

  @BeforeAll
  void start() {
    identityProvider = TestIdentityProvider.start();
    identityProvider.publish(staying);
    identityProvider.publish(retiring);
    attacker = TestIdentityProvider.start();
    registry = StubUpstream.start("registry");
    Map<String, Object> properties =
        RunningGateway.properties(
            TestPostgres.get().createDatabase("JwksKeyRetirementIT"),
            registry.url(),
            registry.url(),
            registry.url());
    properties.put("agentplane.jwks.cache-ttl", CACHE_TTL.toString());
    properties.put("agentplane.jwt.verified-token-ttl", "1h");
    gateway = RunningGateway.startWithJwks(properties, identityProvider.jwksUrl());
  }

  @AfterAll
  void stop() {
    gateway.close();
    registry.close();
    identityProvider.close();
    attacker.close();
  }

  @Test
  void aWithdrawnKeyStopsOpeningTheGatewayWithinTheKeyCacheTtl() {
    String token = TestIdentityProvider.sign(retiring, TestIdentityProvider.claims("acme").build());
    assertThat(gateway.get("/v1/agents/retiring", token).statusCode()).isEqualTo(200);
    assertThat(gateway.get("/v1/agents/retiring", token).statusCode()).isEqualTo(200);

    identityProvider.withdraw(retiring);

    await()
        .atMost(WITHDRAWAL_NOTICED_WITHIN)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> gateway.get("/v1/agents/retired", token).statusCode() == 401);
    int letThrough = registry.requestsTo("/v1/agents/retired").size();
    assertThat(gateway.get("/v1/agents/retired", token).statusCode()).isEqualTo(401);
    assertThat(registry.requestsTo("/v1/agents/retired")).hasSize(letThrough);
    String fresh = TestIdentityProvider.sign(staying, TestIdentityProvider.claims("acme").build());
    assertThat(gateway.get("/v1/agents/staying", fresh).statusCode()).isEqualTo(200);
  }

  @Test
  void aTokensJkuIsNeverFetched() {
    RSAKey attackersKey = TestIdentityProvider.newRsaKey("attackers");
    attacker.publish(attackersKey);
    String token =
        TestIdentityProvider.sign(
            attackersKey,
            header -> header.jwkURL(URI.create(attacker.jwksUrl())),
            TestIdentityProvider.claims("acme").build());

    assertThat(gateway.get("/v1/agents/jku", token).statusCode()).isEqualTo(401);
    assertThat(attacker.requests()).isEmpty();
    assertThat(registry.requestsTo("/v1/agents/jku")).isEmpty();
  }
}
