package dev.agentplane.execution.registry;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentplane.kit.security.JwtSettings;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * Tokens the execution service presents to the registry as itself: a {@code service} principal of
 * the run's tenant with role {@code internal}, which the registry requires for secret values and
 * accepts for resolution. Every service validates tokens again (ARCHITECTURE.md), so the registry
 * checks these like any other.
 *
 * <p>Decision: in dev mode (HS256) the service signs with the shared secret. With a JWKS key source
 * the identity provider would issue these (client credentials); that exchange is not built yet, so
 * start-up with JWKS fails here loudly instead of calling the registry with a token it cannot
 * accept.
 */
@Singleton
public class ServiceTokens {

  static final String SUBJECT = "execution-service";
  private static final Duration LIFETIME = Duration.ofMinutes(10);
  private static final Duration RENEW_BEFORE_EXPIRY = Duration.ofMinutes(2);

  private final MACSigner signer;
  private final String issuer;
  private final Clock clock = Clock.systemUTC();
  private final LoadingCache<String, String> byTenant;

  ServiceTokens(JwtSettings jwt, @Value("${agentplane.jwt.issuer:agentplane}") String issuer) {
    if (!"hs256".equals(jwt.keySource())) {
      throw new IllegalStateException(
          "The execution service mints its registry tokens with the HS256 dev secret; with"
              + " AGENTPLANE_JWKS_URL set it needs identity-provider client credentials, which are"
              + " not supported yet");
    }
    try {
      this.signer = new MACSigner(jwt.secret().getBytes(StandardCharsets.UTF_8));
    } catch (JOSEException e) {
      throw new IllegalStateException("The JWT secret cannot sign HS256 tokens", e);
    }
    this.issuer = issuer;
    this.byTenant =
        Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(LIFETIME.minus(RENEW_BEFORE_EXPIRY))
            .build(this::mint);
  }

  /** A bearer token for calls made on behalf of {@code tenantId}. */
  public String forTenant(String tenantId) {
    return byTenant.get(tenantId);
  }

  private String mint(String tenantId) {
    Instant now = clock.instant();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(SUBJECT)
            .issuer(issuer)
            .audience("agentplane")
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(LIFETIME)))
            .claim("tid", tenantId)
            .claim("roles", List.of("internal"))
            .claim("ptype", "service")
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("Could not sign a service token", e);
    }
    return jwt.serialize();
  }
}
