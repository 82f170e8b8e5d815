package dev.agentplane.kit.security;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.security.rules.SecurityRuleResult;
import io.micronaut.web.router.RouteAttributes;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

/**
 * A path no route serves is a 401 for an anonymous caller (who learns nothing about which paths
 * exist) and a plain 404 for an authenticated one (who would otherwise get a misleading 403).
 */
@Singleton
final class UnknownRouteRule implements SecurityRule<HttpRequest<?>> {

  @Override
  public Publisher<SecurityRuleResult> check(
      HttpRequest<?> request, @Nullable Authentication authentication) {
    boolean routed = RouteAttributes.getRouteMatch(request).isPresent();
    if (routed) {
      return Publishers.just(SecurityRuleResult.UNKNOWN);
    }
    return Publishers.just(
        authentication == null ? SecurityRuleResult.REJECTED : SecurityRuleResult.ALLOWED);
  }

  @Override
  public int getOrder() {
    return LOWEST_PRECEDENCE;
  }
}
