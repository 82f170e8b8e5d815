package dev.agentplane.kit.security;

import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.WwwAuthenticateChallengeProvider;
import jakarta.inject.Singleton;

/**
 * Answers every 401 with an RFC 6750 bearer challenge: {@code error="invalid_token"} when a token
 * was sent and refused, a bare challenge when none was sent.
 */
@Singleton
final class BearerChallenge implements WwwAuthenticateChallengeProvider<HttpRequest<?>> {

  @Override
  public String getWwwAuthenticateChallenge(HttpRequest<?> request) {
    boolean tokenSent =
        request
            .getHeaders()
            .getAuthorization()
            .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
            .isPresent();
    return tokenSent
        ? "Bearer realm=\"agentplane\", error=\"invalid_token\""
        : "Bearer realm=\"agentplane\"";
  }
}
