package dev.agentplane.kit.security;

import io.micronaut.http.HttpRequest;
import io.micronaut.security.token.Claims;
import io.micronaut.security.token.jwt.validator.GenericJwtClaimsValidator;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * Refuses a token without {@code exp}, past its {@code exp}, or before its {@code nbf}, allowing
 * the configured clock skew either way (RFC 7519 §4.1.4-5: "some small leeway"). Micronaut's own
 * expiration and not-before validators are switched off in the kit's defaults because they allow no
 * leeway.
 */
@Singleton
final class TokenLifetimeValidator implements GenericJwtClaimsValidator<HttpRequest<?>> {

  private final Duration clockSkew;

  TokenLifetimeValidator(JwtSettings settings) {
    this.clockSkew = settings.clockSkew();
  }

  @Override
  public boolean validate(Claims claims, HttpRequest<?> request) {
    Instant now = Instant.now();
    Instant expiresAt = instant(claims.get(Claims.EXPIRATION_TIME));
    if (expiresAt == null || !now.isBefore(expiresAt.plus(clockSkew))) {
      return false;
    }
    Object notBefore = claims.get(Claims.NOT_BEFORE);
    if (notBefore == null) {
      return true;
    }
    Instant validFrom = instant(notBefore);
    return validFrom != null && !now.isBefore(validFrom.minus(clockSkew));
  }

  private static Instant instant(Object claim) {
    return switch (claim) {
      case Date date -> date.toInstant();
      case Instant instant -> instant;
      case Number seconds -> Instant.ofEpochSecond(seconds.longValue());
      case null, default -> null;
    };
  }
}
