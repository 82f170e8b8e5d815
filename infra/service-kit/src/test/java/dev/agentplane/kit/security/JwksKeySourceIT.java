package dev.agentplane.kit.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.agentplane.testkit.RealInfrastructure;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.TestTokens;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * With {@code AGENTPLANE_JWKS_URL} set, a service validates tokens against the identity provider's
 * published keys, and the dev HS256 secret no longer opens anything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwksKeySourceIT implements RealInfrastructure {

  private RSAKey signingKey;
  private HttpServer identityProvider;
  private EmbeddedServer service;

  @BeforeAll
  void startIdentityProviderAndService() throws Exception {
    signingKey = new RSAKeyGenerator(2048).keyID("key-1").generate();
    byte[] jwks = new JWKSet(signingKey.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    identityProvider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    identityProvider.createContext(
        "/.well-known/jwks.json",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, jwks.length);
          exchange.getResponseBody().write(jwks);
          exchange.close();
        });
    identityProvider.start();

    Map<String, Object> properties = new HashMap<>(getProperties());
    properties.put("micronaut.server.port", -1);
    // Read once, when the context is built: cleared right after so no other test sees it.
    System.setProperty(
        "agentplane.jwks.url",
        "http://127.0.0.1:" + identityProvider.getAddress().getPort() + "/.well-known/jwks.json");
    try {
      service = ApplicationContext.run(EmbeddedServer.class, properties);
    } finally {
      System.clearProperty("agentplane.jwks.url");
    }
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.getApplicationContext().close();
    }
    identityProvider.stop(0);
  }

  @Test
  void aTokenSignedWithAPublishedKeyIsAccepted() throws Exception {
    assertThat(statusWith(rs256Token("acme"))).isEqualTo(404);
  }

  @Test
  void theDevSecretOpensNothingOnceAJwksUrlIsConfigured() throws Exception {
    assertThat(statusWith(TestTokens.standard().user("acme", "mallory", "admin"))).isEqualTo(401);
  }

  @Test
  void aPublishedKeyStillNeedsTheTenantClaim() throws Exception {
    assertThat(statusWith(rs256Token(null))).isEqualTo(401);
  }

  /** 404 when the token opens the service (an unknown route behind auth), 401 when it does not. */
  private int statusWith(String token) {
    return new ServiceApi(service.getURI()).get("/v1/nothing-here", token).status();
  }

  private String rs256Token(String tenant) throws Exception {
    JWTClaimsSet.Builder claims = TestTokens.adminClaims(tenant, "alice");
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signingKey.getKeyID()).build(),
            claims.build());
    jwt.sign(new RSASSASigner(signingKey));
    return jwt.serialize();
  }
}
