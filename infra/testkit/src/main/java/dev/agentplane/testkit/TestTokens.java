package dev.agentplane.testkit;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Mints JWTs the way the platform's identity provider would (HS256, dev mode), plus deliberately
 * broken ones for security tests. Claims follow ARCHITECTURE.md § Identity and tenancy.
 */
public final class TestTokens {

  /**
   * The HS256 secret the services under test are configured with (property {@code
   * agentplane.jwt.secret}).
   */
  public static final String SECRET = "agentplane-test-secret-5f3c9a1e8b7d4c2a9e6f1b3d7c5a8e2f";

  public static final String ISSUER = "agentplane";
  public static final String AUDIENCE = "agentplane";

  private final String secret;
  private final String issuer;

  private TestTokens(String secret, String issuer) {
    this.secret = secret;
    this.issuer = issuer;
  }

  /** Tokens signed with the test secret. */
  public static TestTokens standard() {
    return new TestTokens(SECRET, ISSUER);
  }

  /** A valid token for a user principal. */
  public String user(String tenantId, String subject, String... roles) {
    return sign(claims(tenantId, subject, "user", Set.of(roles)).build());
  }

  /** A valid token for a service principal. */
  public String service(String tenantId, String subject, String... roles) {
    return sign(claims(tenantId, subject, "service", Set.of(roles)).build());
  }

  /** A token with every standard claim, altered by {@code change} before signing. */
  public String custom(UnaryOperator<JWTClaimsSet.Builder> change) {
    return sign(
        change
            .apply(claims("tenant-" + UUID.randomUUID(), "someone", "user", Set.of("viewer")))
            .build());
  }

  public String expired(String tenantId) {
    Instant past = Instant.now().minus(Duration.ofHours(1));
    return sign(
        claims(tenantId, "someone", "user", Set.of("admin"))
            .issueTime(Date.from(past.minus(Duration.ofHours(1))))
            .expirationTime(Date.from(past))
            .build());
  }

  public String notYetValid(String tenantId) {
    return sign(
        claims(tenantId, "someone", "user", Set.of("admin"))
            .notBeforeTime(Date.from(Instant.now().plus(Duration.ofHours(1))))
            .build());
  }

  public String wrongAudience(String tenantId) {
    return sign(
        claims(tenantId, "someone", "user", Set.of("admin")).audience("someone-else").build());
  }

  public String wrongIssuer(String tenantId) {
    return sign(
        claims(tenantId, "someone", "user", Set.of("admin"))
            .issuer("https://evil.example")
            .build());
  }

  public String withoutTenant() {
    return sign(claims(null, "someone", "user", Set.of("admin")).build());
  }

  /** An unsigned token ({@code alg: none}) that would be valid if signatures were not checked. */
  public String algNone(String tenantId) {
    return new PlainJWT(claims(tenantId, "someone", "user", Set.of("admin")).build()).serialize();
  }

  /** A well-formed token whose signature does not match its content. */
  public String badSignature(String tenantId) {
    SignedJWT jwt = signed(claims(tenantId, "someone", "user", Set.of("admin")).build());
    String[] parts = jwt.serialize().split("\\.");
    String tamperedPayload =
        Base64URL.encode(
                claims(tenantId, "someone-else", "user", Set.of("admin"))
                    .build()
                    .toString()
                    .getBytes(StandardCharsets.UTF_8))
            .toString();
    return parts[0] + "." + tamperedPayload + "." + parts[2];
  }

  /** A token signed with a secret the services do not know. */
  public String signedWithUnknownKey(String tenantId) {
    return new TestTokens("another-secret-that-nobody-configured-0123456789", issuer)
        .user(tenantId, "someone", "admin");
  }

  /**
   * Every standard claim of a valid admin user of {@code tenantId} (no {@code tid} when null), for
   * tests that sign with a key source of their own (RS256/ES256 through a JWKS).
   */
  public static JWTClaimsSet.Builder adminClaims(String tenantId, String subject) {
    return claims(ISSUER, tenantId, subject, "user", Set.of("admin"));
  }

  private JWTClaimsSet.Builder claims(
      String tenantId, String subject, String ptype, Set<String> roles) {
    return claims(issuer, tenantId, subject, ptype, roles);
  }

  private static JWTClaimsSet.Builder claims(
      String issuer, String tenantId, String subject, String ptype, Set<String> roles) {
    Instant now = Instant.now();
    JWTClaimsSet.Builder builder =
        new JWTClaimsSet.Builder()
            .jwtID(UUID.randomUUID().toString())
            .subject(subject)
            .issuer(issuer)
            .audience(List.of(AUDIENCE))
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now.minusSeconds(1)))
            .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
            .claim("roles", List.copyOf(roles))
            .claim("ptype", ptype);
    if (tenantId != null) {
      builder.claim("tid", tenantId);
    }
    return builder;
  }

  private String sign(JWTClaimsSet claims) {
    return signed(claims).serialize();
  }

  private SignedJWT signed(JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
      return jwt;
    } catch (JOSEException e) {
      throw new IllegalStateException("Could not sign a test token", e);
    }
  }
}
