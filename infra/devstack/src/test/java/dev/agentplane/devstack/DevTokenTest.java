package dev.agentplane.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DevTokenTest {

  private static final String SECRET = "a-dev-secret-that-is-long-enough-for-hs256";

  @Test
  void theDemoAdminTokenCarriesTheClaimsEveryServiceChecks() throws Exception {
    Instant now = Instant.parse("2026-01-01T10:00:00Z");

    SignedJWT jwt = SignedJWT.parse(DevToken.demoAdmin(SECRET, "agentplane", now));

    assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
    assertThat(jwt.verify(new MACVerifier(SECRET.getBytes(StandardCharsets.UTF_8)))).isTrue();
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertThat(claims.getIssuer()).isEqualTo("agentplane");
    assertThat(claims.getAudience()).containsExactly("agentplane");
    assertThat(claims.getSubject()).isEqualTo("demo-admin");
    assertThat(claims.getStringClaim("tid")).isEqualTo("demo");
    assertThat(claims.getStringListClaim("roles")).containsExactly("admin");
    assertThat(claims.getStringClaim("ptype")).isEqualTo("user");
    assertThat(claims.getIssueTime().toInstant()).isEqualTo(now);
    assertThat(claims.getNotBeforeTime().toInstant()).isEqualTo(now);
    assertThat(claims.getExpirationTime().toInstant()).isEqualTo(now.plus(Duration.ofHours(12)));
  }
}
