package dev.agentplane.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import dev.agentplane.testkit.TestIdentityProvider;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Production key source (JWKS from a real identity provider on loopback): RS256 and ES256 tokens
 * are accepted, keys rotated in after start-up are picked up, and algorithm confusion is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwksTokenIT {

  private static final Duration REFRESH_INTERVAL = Duration.ofMillis(500);

  private final RSAKey rsaKey = TestIdentityProvider.newRsaKey("rsa-1");
  private final ECKey ecKey = TestIdentityProvider.newEcKey("ec-1");
  private TestIdentityProvider identityProvider;
  private StubUpstream registry;
  private RunningGateway gateway;

  @BeforeAll
  void start() {
    identityProvider = TestIdentityProvider.start();
    identityProvider.publish(rsaKey);
    identityProvider.publish(ecKey);
    registry = StubUpstream.start("registry");
    Map<String, Object> properties =
        RunningGateway.properties(
            TestPostgres.get().createDatabase("JwksTokenIT"),
            registry.url(),
            registry.url(),
            registry.url());
    properties.put("agentplane.jwks.unknown-key-refresh-interval", REFRESH_INTERVAL.toString());
    gateway = RunningGateway.startWithJwks(properties, identityProvider.jwksUrl());
  }

  @AfterAll
  void stop() {
    gateway.close();
    registry.close();
    identityProvider.close();
  }

  @Test
  void rs256AndEs256TokensFromThePublishedKeysAreRouted() {
    String rs256 = TestIdentityProvider.sign(rsaKey, TestIdentityProvider.claims("acme").build());
    String es256 = TestIdentityProvider.sign(ecKey, TestIdentityProvider.claims("acme").build());

    assertThat(gateway.get("/v1/agents/rs256", rs256).statusCode()).isEqualTo(200);
    assertThat(gateway.get("/v1/agents/es256", es256).statusCode()).isEqualTo(200);
    assertThat(registry.onlyRequestTo("/v1/agents/es256").header("Authorization"))
        .isEqualTo("Bearer " + es256);
  }

  @Test
  void everyBadTokenIsRefused() {
    Instant now = Instant.now();
    JWTClaimsSet valid = TestIdentityProvider.claims("acme").build();
    Map<String, String> matrix = new LinkedHashMap<>();
    matrix.put(
        "HS256 signed with the RSA public key (key confusion)",
        TestIdentityProvider.hmacWithPublicKey(rsaKey, valid));
    matrix.put("alg none", new PlainJWT(valid).serialize());
    matrix.put("the dev secret", TestTokens.standard().user("acme", "mallory", "admin"));
    matrix.put(
        "expired",
        sign(
            claims ->
                claims
                    .issueTime(Date.from(now.minusSeconds(7200)))
                    .expirationTime(Date.from(now.minusSeconds(3600)))));
    matrix.put(
        "nbf in the future",
        sign(claims -> claims.notBeforeTime(Date.from(now.plusSeconds(3600)))));
    matrix.put("wrong aud", sign(claims -> claims.audience(List.of("someone-else"))));
    matrix.put("wrong iss", sign(claims -> claims.issuer("https://evil.example")));
    matrix.put("missing tid", sign(claims -> claims.claim("tid", null)));
    matrix.put(
        "signed by a key nobody published",
        TestIdentityProvider.sign(TestIdentityProvider.newRsaKey("rsa-1"), valid));
    matrix.put("tampered payload", tamper(TestIdentityProvider.sign(rsaKey, valid)));

    matrix.forEach(
        (name, token) ->
            assertThat(gateway.get("/v1/agents/jwks-matrix", token).statusCode())
                .as(name)
                .isEqualTo(401));
    assertThat(registry.requestsTo("/v1/agents/jwks-matrix")).isEmpty();
  }

  @Test
  void aKeyPublishedAfterStartUpIsPickedUpOnFirstUseWithoutHammeringTheProvider() {
    assertThat(
            gateway
                .get(
                    "/v1/agents/warm",
                    TestIdentityProvider.sign(rsaKey, TestIdentityProvider.claims("acme").build()))
                .statusCode())
        .isEqualTo(200);
    RSAKey rotated = TestIdentityProvider.newRsaKey("rsa-2-" + System.nanoTime());
    identityProvider.publish(rotated);
    String token = TestIdentityProvider.sign(rotated, TestIdentityProvider.claims("acme").build());

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> gateway.get("/v1/agents/rotated", token).statusCode() == 200);

    // Tokens naming unknown key ids refetch the JWKS at most once per interval, however many.
    int fetchesBefore = identityProvider.fetches();
    long burstStarted = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      String forged =
          TestIdentityProvider.sign(
              TestIdentityProvider.newEcKey("forged-" + i),
              TestIdentityProvider.claims("acme").build());
      assertThat(gateway.get("/v1/agents/forged", forged).statusCode()).isEqualTo(401);
    }
    long intervals =
        Duration.ofNanos(System.nanoTime() - burstStarted).toMillis() / REFRESH_INTERVAL.toMillis();
    assertThat((long) identityProvider.fetches() - fetchesBefore)
        .isLessThanOrEqualTo(1 + intervals);
  }

  private String sign(java.util.function.UnaryOperator<JWTClaimsSet.Builder> change) {
    return TestIdentityProvider.sign(
        rsaKey, change.apply(TestIdentityProvider.claims("acme")).build());
  }

  private static String tamper(String token) {
    String[] parts = token.split("\\.");
    String payload =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                TestIdentityProvider.claims("someone-elses-tenant")
                    .build()
                    .toString()
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return parts[0] + "." + payload + "." + parts[2];
  }
}
