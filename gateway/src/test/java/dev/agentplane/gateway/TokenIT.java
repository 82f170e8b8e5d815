package dev.agentplane.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentplane.testkit.TestIdentityProvider;
import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Dev key source (HS256): every bad token is a 401 problem with a bearer challenge and never
 * reaches a service; a good one is routed with its Authorization header intact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenIT {

  private final TestTokens tokens = TestTokens.standard();
  private StubUpstream registry;
  private RunningGateway gateway;

  @BeforeAll
  void start() {
    registry = StubUpstream.start("registry");
    gateway =
        RunningGateway.start(
            RunningGateway.properties(
                TestPostgres.get().createDatabase("TokenIT"),
                registry.url(),
                registry.url(),
                registry.url()));
  }

  @AfterAll
  void stop() {
    gateway.close();
    registry.close();
  }

  @Test
  void everyBadTokenIsRefusedWithABearerChallengeAndReachesNoService() {
    Map<String, String> matrix = new LinkedHashMap<>();
    matrix.put("expired", tokens.expired("acme"));
    matrix.put("nbf in the future", tokens.notYetValid("acme"));
    matrix.put("wrong aud", tokens.wrongAudience("acme"));
    matrix.put("wrong iss", tokens.wrongIssuer("acme"));
    matrix.put("alg none", tokens.algNone("acme"));
    matrix.put("tampered payload", tokens.badSignature("acme"));
    matrix.put("unknown secret", tokens.signedWithUnknownKey("acme"));
    matrix.put("missing tid", tokens.withoutTenant());
    matrix.put("HS384 with the right secret", hs384WithTheSecret());
    matrix.put("malformed", "not.a-jwt");
    matrix.put("without exp", tokens.custom(claims -> claims.expirationTime(null)));

    matrix.forEach(
        (name, token) -> {
          HttpResponse<String> response = gateway.get("/v1/agents/matrix", token);

          assertThat(response.statusCode()).as(name).isEqualTo(401);
          assertThat(response.headers().firstValue("WWW-Authenticate"))
              .as(name)
              .hasValue("Bearer realm=\"agentplane\", error=\"invalid_token\"");
          assertThat(response.headers().firstValue("Content-Type"))
              .as(name)
              .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        });
    assertThat(registry.requestsTo("/v1/agents/matrix")).isEmpty();
  }

  @Test
  void aHeaderThatIsNotABearerTokenIsAnonymous() {
    HttpResponse<String> response =
        gateway.send(
            gateway.request("/v1/agents/basic", null).header("Authorization", "Basic YTpi").GET());

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"agentplane\"");
  }

  @Test
  void aValidTokenIsRoutedWithItsAuthorizationHeader() {
    String token = tokens.user("acme", "alice", "viewer");

    HttpResponse<String> response = gateway.get("/v1/agents/valid", token);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(registry.onlyRequestTo("/v1/agents/valid").header("Authorization"))
        .isEqualTo("Bearer " + token);
  }

  @Test
  void clocksMayDisagreeByTheConfiguredSkewButNoMore() {
    Instant now = Instant.now();
    String justExpired = expiredAgo(now, 10);
    String longExpired = expiredAgo(now, 60);
    String almostValid =
        tokens.custom(
            claims -> claims.claim("tid", "acme").notBeforeTime(Date.from(now.plusSeconds(10))));

    assertThat(gateway.get("/v1/agents/skew", justExpired).statusCode()).isEqualTo(200);
    assertThat(gateway.get("/v1/agents/skew", almostValid).statusCode()).isEqualTo(200);
    assertThat(gateway.get("/v1/agents/skew", longExpired).statusCode()).isEqualTo(401);
  }

  private String expiredAgo(Instant now, long seconds) {
    return tokens.custom(
        claims ->
            claims
                .claim("tid", "acme")
                .issueTime(Date.from(now.minusSeconds(120)))
                .expirationTime(Date.from(now.minusSeconds(seconds))));
  }

  private static String hs384WithTheSecret() {
    try {
      var jwt =
          new com.nimbusds.jwt.SignedJWT(
              new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS384),
              TestIdentityProvider.claims("acme").build());
      jwt.sign(
          new com.nimbusds.jose.crypto.MACSigner(
              TestTokens.SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
