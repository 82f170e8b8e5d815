package dev.agentplane.devstack;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * Mints the ready-to-use token printed at start-up: HS256 with the stack's dev secret, claims as in
 * ARCHITECTURE.md § Identity and tenancy.
 */
final class DevToken {

  static final String AUDIENCE = "agentplane";
  static final String DEMO_TENANT = "demo";
  static final String DEMO_ADMIN = "demo-admin";
  static final Duration ADMIN_TOKEN_LIFETIME = Duration.ofHours(12);

  private DevToken() {}

  /** An {@code admin} user of tenant {@code demo}, valid for 12 hours. */
  static String demoAdmin(String secret, String issuer, Instant now) {
    return mint(
        secret,
        issuer,
        DEMO_TENANT,
        DEMO_ADMIN,
        List.of("admin"),
        "user",
        now,
        ADMIN_TOKEN_LIFETIME);
  }

  static String mint(
      String secret,
      String issuer,
      String tenantId,
      String subject,
      List<String> roles,
      String principalType,
      Instant now,
      Duration lifetime) {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .jwtID(UUID.randomUUID().toString())
            .issuer(issuer)
            .audience(List.of(AUDIENCE))
            .subject(subject)
            .claim("tid", tenantId)
            .claim("roles", List.copyOf(roles))
            .claim("ptype", principalType)
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plus(lifetime)))
            .build();
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException("Could not sign the dev token: " + e.getMessage(), e);
    }
  }
}
