package dev.agentplane.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentplane.devstack.StackOptions.UsageException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenCommandTest {

  private static final String SECRET = "a-dev-secret-that-is-long-enough-for-hs256";

  @Test
  void mintsATokenWithTheRequestedTenantSubjectRolesTypeAndLifetime() throws Exception {
    Instant now = Instant.parse("2026-01-01T10:00:00Z");
    TokenCommand.Request request =
        TokenCommand.parse(
            List.of(
                "--tenant",
                "acme",
                "--subject",
                "ci-bot",
                "--roles",
                "operator,viewer",
                "--ptype",
                "service",
                "--ttl",
                "600"));

    SignedJWT jwt = SignedJWT.parse(TokenCommand.mint(request, SECRET, "agentplane", now));

    assertThat(jwt.verify(new MACVerifier(SECRET.getBytes(StandardCharsets.UTF_8)))).isTrue();
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertThat(claims.getStringClaim("tid")).isEqualTo("acme");
    assertThat(claims.getSubject()).isEqualTo("ci-bot");
    assertThat(claims.getStringListClaim("roles")).containsExactly("operator", "viewer");
    assertThat(claims.getStringClaim("ptype")).isEqualTo("service");
    assertThat(claims.getAudience()).containsExactly("agentplane");
    assertThat(claims.getExpirationTime().toInstant()).isEqualTo(now.plus(Duration.ofMinutes(10)));
  }

  @Test
  void defaultsToAUserTokenValidForAnHour() {
    TokenCommand.Request request =
        TokenCommand.parse(List.of("--tenant=demo", "--subject=ann", "--roles=admin"));

    assertThat(request.principalType()).isEqualTo("user");
    assertThat(request.ttl()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void refusesMissingFlagsUnknownRolesAndBadTypes() {
    assertThatThrownBy(() -> TokenCommand.parse(List.of("--subject", "s", "--roles", "admin")))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("--tenant");
    assertThatThrownBy(
            () -> TokenCommand.parse(List.of("--tenant", "t", "--subject", "s", "--roles", "root")))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("root");
    assertThatThrownBy(
            () ->
                TokenCommand.parse(
                    List.of(
                        "--tenant", "t", "--subject", "s", "--roles", "admin", "--ptype", "bot")))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("--ptype");
  }
}
