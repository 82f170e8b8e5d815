package dev.agentplane.kit.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import dev.agentplane.testkit.RealInfrastructure;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.TestIdentityProvider;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Key rotation at the identity provider, seen by a service validating against its JWKS: a key
 * published while the service runs is accepted without a restart, a key withdrawn from the JWKS
 * stops being accepted once the key cache expires (even for a token the service remembers as
 * verified), tokens naming unknown key ids refetch the JWKS at most once per interval, the token's
 * own {@code jku}/{@code x5u} are never fetched, and a {@code kid} is an opaque string.
 *
 * <p>Two services: one with a short key cache (rotation), and one whose key cache and unknown-key
 * interval are an hour long and which only the flood test talks to, so that every JWKS request it
 * makes is counted exactly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwksRotationIT implements RealInfrastructure {

  private static final Duration CACHE_TTL = Duration.ofSeconds(2);
  // The TTL, then a request that finds the cache expired; the await's bound, timed here, around a
  // new connection per
  // poll, which a loaded machine can hold up for seconds.
  private static final Duration WITHDRAWAL_NOTICED_WITHIN = CACHE_TTL.plusSeconds(5);

  private final RSAKey original = TestIdentityProvider.newRsaKey("original");
  private final ECKey retiring = TestIdentityProvider.newEcKey("retiring");
  private TestIdentityProvider identityProvider;
  private TestIdentityProvider attacker;
  private EmbeddedServer rotating;
  private EmbeddedServer counted;

  @BeforeAll
  void start() {
    identityProvider = TestIdentityProvider.start();
    identityProvider.publish(original);
    identityProvider.publish(retiring);
    attacker = TestIdentityProvider.start();
    rotating =
        startService(
            Map.of(
                "agentplane.jwks.cache-ttl", CACHE_TTL.toString(),
                "agentplane.jwks.unknown-key-refresh-interval", "1h",
                // Long enough that only the key generation can end a remembered verification.
                "agentplane.jwt.verified-token-ttl", "1h"));
    counted =
        startService(
            Map.of(
                "agentplane.jwks.cache-ttl", "1h",
                "agentplane.jwks.unknown-key-refresh-interval", "1h"));
  }

  private EmbeddedServer startService(Map<String, Object> overrides) {
    Map<String, Object> properties = new HashMap<>(getProperties());
    properties.put("micronaut.server.port", -1);
    properties.putAll(overrides);
    // Read once, when the context is built: cleared right after so no other test sees it.
    System.setProperty("agentplane.jwks.url", identityProvider.jwksUrl());
    try {
      return ApplicationContext.run(EmbeddedServer.class, properties);
    } finally {
      System.clearProperty("agentplane.jwks.url");
    }
  }

  @AfterAll
  void stop() {
    for (EmbeddedServer service : new EmbeddedServer[] {rotating, counted}) {
      if (service != null) {
        service.getApplicationContext().close();
      }
    }
    identityProvider.close();
    attacker.close();
  }

  @Test
  void aKeyPublishedWhileTheServiceRunsIsAcceptedWithoutARestart() {
    assertThat(statusWith(rotating, signedBy(original))).isEqualTo(404);
    RSAKey added = TestIdentityProvider.newRsaKey("added-" + UUID.randomUUID());
    String token = signedBy(added);
    assertThat(statusWith(rotating, token)).as("not published yet").isEqualTo(401);

    identityProvider.publish(added);

    await("the new key to be accepted")
        .atMost(CACHE_TTL.multipliedBy(4))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> statusWith(rotating, token) == 404);
  }

  @Test
  void aWithdrawnKeyStopsBeingAcceptedWhenTheKeyCacheExpiresEvenForARememberedToken() {
    String token = signedBy(retiring);
    assertThat(statusWith(rotating, token)).isEqualTo(404);
    assertThat(statusWith(rotating, token)).as("now from memory").isEqualTo(404);

    identityProvider.withdraw(retiring);

    await("the withdrawn key to be refused")
        .atMost(WITHDRAWAL_NOTICED_WITHIN)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> statusWith(rotating, token) == 401);
    assertThat(statusWith(rotating, token)).as("and stays refused").isEqualTo(401);
    assertThat(statusWith(rotating, signedBy(original)))
        .as("the keys still published keep working")
        .isEqualTo(404);
  }

  @Test
  void aFloodOfUnknownKeyIdsRefetchesTheJwksAtMostOncePerInterval() {
    assertThat(statusWith(counted, signedBy(original))).isEqualTo(404);
    int fetchesBefore = identityProvider.fetches();

    for (int i = 0; i < 40; i++) {
      String forged =
          TestIdentityProvider.sign(
              TestIdentityProvider.newEcKey("random-" + UUID.randomUUID()),
              TestIdentityProvider.claims("acme").build());
      assertThat(statusWith(counted, forged)).isEqualTo(401);
    }

    // The interval is an hour, and no other test sends this service a token at all.
    assertThat(identityProvider.fetches() - fetchesBefore).isEqualTo(1);
  }

  @Test
  void theTokensOwnKeyUrlsAreNeverFetched() {
    RSAKey attackersKey = TestIdentityProvider.newRsaKey("attackers-" + UUID.randomUUID());
    attacker.publish(attackersKey);
    Map<String, String> tokens = new LinkedHashMap<>();
    tokens.put(
        "jku",
        TestIdentityProvider.sign(
            attackersKey,
            header -> header.jwkURL(URI.create(attacker.jwksUrl())),
            TestIdentityProvider.claims("acme").build()));
    tokens.put(
        "x5u",
        TestIdentityProvider.sign(
            attackersKey,
            header -> header.x509CertURL(URI.create(attacker.urlOf("/cert.pem"))),
            TestIdentityProvider.claims("acme").build()));
    tokens.put(
        "jku naming a published key id",
        TestIdentityProvider.sign(
            attackersKey,
            header -> header.keyID(original.getKeyID()).jwkURL(URI.create(attacker.jwksUrl())),
            TestIdentityProvider.claims("acme").build()));
    tokens.put(
        "embedded jwk",
        TestIdentityProvider.sign(
            attackersKey,
            header -> header.jwk(attackersKey.toPublicJWK()),
            TestIdentityProvider.claims("acme").build()));

    tokens.forEach(
        (name, token) -> {
          assertThat(statusWith(rotating, token)).as(name).isEqualTo(401);
        });
    assertThat(attacker.requests()).isEmpty();
  }

  @Test
  void aKeyIdIsAnOpaqueStringThatMatchesOnlyItself() {
    Map<String, String> kids = new LinkedHashMap<>();
    kids.put("path traversal", "../../etc/passwd");
    kids.put("a URL", "http://127.0.0.1:1/jwks.json");
    kids.put("very long", "k".repeat(2048));
    kids.put("unicode", "ключ-🔑-鍵");
    kids.put("control characters", "key\u0000\n\r\t");
    kids.put("empty", "");
    kids.put("SQL", "' OR '1'='1");
    kids.put("the real id with a suffix", original.getKeyID() + " ");
    kids.put("the real id in another case", original.getKeyID().toUpperCase());

    kids.forEach(
        (name, kid) -> {
          // Signed with the published key: only the key id is wrong.
          String token =
              TestIdentityProvider.sign(
                  original,
                  header -> header.keyID(kid),
                  TestIdentityProvider.claims("acme").build());
          assertThat(statusWith(rotating, token)).as(name).isEqualTo(401);
        });
    // Not a header of anything the service accepts, yet well-formed JSON: a kid of another type.
    String numericKid = withHeader(signedBy(original), "{\"alg\":\"RS256\",\"kid\":42}");
    assertThat(statusWith(rotating, numericKid)).as("a number").isEqualTo(401);
  }

  private static String signedBy(JWK key) {
    return TestIdentityProvider.sign(key, TestIdentityProvider.claims("acme").build());
  }

  private static String withHeader(String token, String headerJson) {
    String[] parts = token.split("\\.");
    return Base64URL.encode(headerJson) + "." + parts[1] + "." + parts[2];
  }

  /** 404 when the token opens the service (an unknown route behind auth), 401 when it does not. */
  private static int statusWith(EmbeddedServer service, String token) {
    return new ServiceApi(service.getURI()).get("/v1/nothing-here", token).status();
  }
}
