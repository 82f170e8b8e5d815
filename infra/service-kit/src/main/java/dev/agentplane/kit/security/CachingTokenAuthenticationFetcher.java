package dev.agentplane.kit.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.event.ApplicationEventPublisher;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.server.util.HttpHostResolver;
import io.micronaut.http.server.util.locale.HttpLocaleResolver;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.event.TokenValidatedEvent;
import io.micronaut.security.filters.SecurityFilter;
import io.micronaut.security.token.Claims;
import io.micronaut.security.token.TokenAuthenticationFetcher;
import io.micronaut.security.token.reader.TokenResolver;
import io.micronaut.security.token.validator.TokenValidator;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.reactivestreams.Publisher;

/**
 * Micronaut's bearer-token authentication, remembering tokens it verified: a caller's next request
 * with the same token skips parsing, the signature check and the claim checks, which are most of
 * the CPU a small authenticated request costs a proxy, as Envoy's JWT filter caches verified
 * tokens. A token is remembered until its {@code exp} (plus the clock skew the lifetime check
 * allows) and at most {@code agentplane.jwt.verified-token-ttl}, and is checked against its {@code
 * exp} again on every use; only tokens that passed every check are remembered, at most {@code
 * agentplane.jwt.verified-tokens} of them (least recently used first out), so a flood of forged
 * tokens caches nothing. A remembered token is trusted only while the {@link SigningKeyGeneration}
 * it was verified under is still current: once the key cache is due for a refetch, or a refetch
 * found a key withdrawn, the token goes through the full check again, so a retired key is not kept
 * alive by this cache.
 */
@Singleton
@Replaces(TokenAuthenticationFetcher.class)
final class CachingTokenAuthenticationFetcher extends TokenAuthenticationFetcher {

  /** The cache's name in metrics ({@code cache_gets_total{cache="verified-tokens",result=...}}). */
  static final String CACHE_NAME = "verified-tokens";

  /** A token that passed every check, and the last instant it may still be used. */
  private record Verified(Authentication authentication, Instant usableUntil, long keyGeneration) {}

  private final TokenResolver<HttpRequest<?>> tokenResolver;
  private final Duration clockSkew;
  private final Cache<String, Verified> verified;
  private final SigningKeyGeneration keyGeneration;

  CachingTokenAuthenticationFetcher(
      List<TokenValidator<HttpRequest<?>>> tokenValidators,
      TokenResolver<HttpRequest<?>> tokenResolver,
      ApplicationEventPublisher<TokenValidatedEvent> tokenValidatedEventPublisher,
      HttpHostResolver httpHostResolver,
      HttpLocaleResolver httpLocaleResolver,
      JwtSettings settings,
      MeterRegistry meters,
      Optional<SigningKeyGeneration> keyGeneration) {
    super(
        tokenValidators,
        tokenResolver,
        tokenValidatedEventPublisher,
        httpHostResolver,
        httpLocaleResolver);
    this.tokenResolver = tokenResolver;
    this.clockSkew = settings.clockSkew();
    // A key source without published keys (the dev shared secret) never withdraws one.
    this.keyGeneration = keyGeneration.orElse(() -> 0);
    Duration ttl = settings.verifiedTokenTtl();
    this.verified =
        Caffeine.newBuilder()
            .maximumSize(settings.verifiedTokens())
            .expireAfter(
                new Expiry<String, Verified>() {
                  @Override
                  public long expireAfterCreate(String token, Verified entry, long now) {
                    Duration left = Duration.between(Instant.now(), entry.usableUntil());
                    return Math.max(0, Math.min(left.toNanos(), ttl.toNanos()));
                  }

                  @Override
                  public long expireAfterUpdate(
                      String token, Verified entry, long now, long current) {
                    return expireAfterCreate(token, entry, now);
                  }

                  @Override
                  public long expireAfterRead(
                      String token, Verified entry, long now, long current) {
                    return current;
                  }
                })
            .recordStats()
            .build();
    CaffeineCacheMetrics.monitor(meters, verified, CACHE_NAME);
  }

  @Override
  public Publisher<Authentication> fetchAuthentication(HttpRequest<?> request) {
    List<String> tokens = tokenResolver.resolveTokens(request);
    if (tokens == null || tokens.size() != 1) {
      return super.fetchAuthentication(request);
    }
    String token = tokens.getFirst();
    long generation = keyGeneration.current();
    Verified known = verified.getIfPresent(token);
    if (known != null) {
      if (generation != SigningKeyGeneration.STALE
          && known.keyGeneration() == generation
          && Instant.now().isBefore(known.usableUntil())) {
        request.setAttribute(SecurityFilter.TOKEN, token);
        return Publishers.just(known.authentication());
      }
      // Checked again below; if the key it was signed with is gone, it is not remembered again.
      verified.invalidate(token);
    }
    return Publishers.then(
        super.fetchAuthentication(request),
        authentication -> {
          Instant expiresAt = expiryOf(authentication);
          if (expiresAt != null && generation != SigningKeyGeneration.STALE) {
            verified.put(
                token, new Verified(authentication, expiresAt.plus(clockSkew), generation));
          }
        });
  }

  private static Instant expiryOf(Authentication authentication) {
    return switch (authentication.getAttributes().get(Claims.EXPIRATION_TIME)) {
      case Date date -> date.toInstant();
      case Instant instant -> instant;
      case Number seconds -> Instant.ofEpochSecond(seconds.longValue());
      case null, default -> null;
    };
  }
}
