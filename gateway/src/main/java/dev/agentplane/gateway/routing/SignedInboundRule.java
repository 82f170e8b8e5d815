package dev.agentplane.gateway.routing;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.security.rules.SecurityRuleResult;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.reactivestreams.Publisher;

/**
 * Lets inbound decision webhooks and one-time action links ({@code
 * /v1/webhooks/inbound/{tenant}/...}) through without a JWT: they are authenticated by a Standard
 * Webhooks signature or a signed link token made with the tenant's secret, which only the approval
 * service holds, so the gateway cannot check them and must not demand a token their senders (a chat
 * bot, an e-mail client) never have. Every other {@code /v1/**} path still needs a JWT.
 */
@Singleton
public final class SignedInboundRule implements SecurityRule<HttpRequest<?>> {

  /** Below this prefix the next segment is the tenant the message claims to come from. */
  public static final String PREFIX = "/v1/webhooks/inbound/";

  private static final String LINKS_SEGMENT = "/links/";

  @Override
  public Publisher<SecurityRuleResult> check(
      HttpRequest<?> request, @Nullable Authentication authentication) {
    return Publishers.just(
        claimedTenant(request.getPath()).isPresent()
            ? SecurityRuleResult.ALLOWED
            : SecurityRuleResult.UNKNOWN);
  }

  /**
   * The tenant named by an inbound path ({@code /v1/webhooks/inbound/acme/decisions} → {@code
   * acme}); empty for any other path.
   */
  public static Optional<String> claimedTenant(String path) {
    if (!path.startsWith(PREFIX)) {
      return Optional.empty();
    }
    int end = path.indexOf('/', PREFIX.length());
    String tenant = path.substring(PREFIX.length(), end < 0 ? path.length() : end);
    return tenant.isEmpty() ? Optional.empty() : Optional.of(tenant);
  }

  /**
   * The path as it may be logged: a one-time action link carries its token in the path ({@code
   * .../links/<token>}), and a logged token is a decision anyone with log access could replay.
   */
  public static String loggablePath(String path) {
    if (!path.startsWith(PREFIX)) {
      return path;
    }
    int links = path.indexOf(LINKS_SEGMENT, PREFIX.length());
    return links < 0 ? path : path.substring(0, links + LINKS_SEGMENT.length()) + "[redacted]";
  }

  @Override
  public int getOrder() {
    // Before the kit's UnknownRouteRule, which rejects anonymous callers on paths no route serves.
    return HIGHEST_PRECEDENCE;
  }
}
