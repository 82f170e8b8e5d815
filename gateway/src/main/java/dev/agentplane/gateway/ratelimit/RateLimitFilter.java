package dev.agentplane.gateway.ratelimit;

import dev.agentplane.gateway.edge.GatewayProblems;
import dev.agentplane.gateway.routing.SignedInboundRule;
import dev.agentplane.kit.problem.ProblemType;
import dev.agentplane.kit.security.TenantPrincipal;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.security.authentication.Authentication;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The rate-limit decision shared by the two filters (in-memory and PostgreSQL buckets). Limits each
 * authenticated {@code /v1/**} request twice, per tenant and per principal, with the limits of the
 * tenant's tier. Over either limit the answer is a 429 problem with {@code Retry-After}; every
 * answer carries {@code RateLimit-Policy} and {@code RateLimit}
 * (draft-ietf-httpapi-ratelimit-headers-09). Runs right after security, before the proxy.
 */
abstract class RateLimitFilter implements Ordered {

  static final String POLICY_HEADER = "RateLimit-Policy";
  static final String LIMIT_HEADER = "RateLimit";
  private static final String OUTCOME = "agentplane.gateway.rateLimit";

  private record Limits(BucketConfiguration tenant, BucketConfiguration principal, String policy) {}

  private record Outcome(
      boolean allowed, String rateLimit, String policy, long retryAfterSeconds) {}

  private final RateLimitSettings settings;
  private final Map<String, RateLimitTier> tiers;
  private final BucketStore store;
  private final GatewayProblems problems;
  private final Map<String, Limits> limitsByTier = new ConcurrentHashMap<>();

  RateLimitFilter(
      RateLimitSettings settings,
      List<RateLimitTier> tiers,
      BucketStore store,
      GatewayProblems problems) {
    this.settings = settings;
    this.tiers = tiers.stream().collect(Collectors.toMap(RateLimitTier::name, Function.identity()));
    if (!this.tiers.containsKey(settings.defaultTier())) {
      throw new IllegalStateException(
          "agentplane.gateway.rate-limit.default-tier names tier '"
              + settings.defaultTier()
              + "', which agentplane.gateway.rate-limit.tiers does not define");
    }
    this.store = store;
    this.problems = problems;
  }

  /** The 429 to answer with, or null to let the request on. */
  @Nullable
  HttpResponse<?> limitNow(HttpRequest<?> request) {
    if (!settings.enabled()) {
      return null;
    }
    Authentication authentication = request.getUserPrincipal(Authentication.class).orElse(null);
    if (authentication == null) {
      // Signed inbound messages have no principal: they get one principal-sized bucket per
      // claimed tenant, apart from the tenant's own, so a flood of forged ones cannot use up the
      // tenant's API allowance.
      return SignedInboundRule.claimedTenant(request.getPath())
          .map(tenant -> decide(request, consumeInbound(tenant)))
          .orElse(null);
    }
    String tenant =
        String.valueOf(authentication.getAttributes().get(TenantPrincipal.TENANT_CLAIM));
    return decide(request, consume(tenant, authentication.getName()));
  }

  void addHeaders(HttpRequest<?> request, MutableHttpResponse<?> response) {
    request
        .getAttribute(OUTCOME, Outcome.class)
        .ifPresent(
            outcome -> {
              response.getHeaders().set(POLICY_HEADER, outcome.policy());
              response.getHeaders().set(LIMIT_HEADER, outcome.rateLimit());
            });
  }

  private @Nullable HttpResponse<?> decide(HttpRequest<?> request, Outcome outcome) {
    request.setAttribute(OUTCOME, outcome);
    if (outcome.allowed()) {
      return null;
    }
    // A filter's response method does not see the response its own request method returned.
    return problems
        .response(
            ProblemType.RATE_LIMITED,
            "Rate limit exceeded; retry after " + outcome.retryAfterSeconds() + " s.",
            request)
        .header("Retry-After", Long.toString(outcome.retryAfterSeconds()))
        .header(POLICY_HEADER, outcome.policy())
        .header(LIMIT_HEADER, outcome.rateLimit());
  }

  private Outcome consume(String tenant, String subject) {
    Limits limits = limitsByTier.computeIfAbsent(settings.tierOf(tenant), this::limitsOf);
    // The principal's bucket first: a request it refuses must not spend the tenant's, or one
    // principal flooding past its own limit would use up the whole tenant's allowance and lock
    // every other principal of the tenant out (as nginx's limit_req accounts a request in no zone
    // when any zone refuses it).
    ConsumptionProbe principalProbe =
        store.tryConsume("p:" + tenant + ":" + subject, limits.principal());
    if (!principalProbe.isConsumed()) {
      return refused("principal", principalProbe, limits.policy());
    }
    ConsumptionProbe tenantProbe = store.tryConsume("t:" + tenant, limits.tenant());
    if (!tenantProbe.isConsumed()) {
      return refused("tenant", tenantProbe, limits.policy());
    }
    boolean principalTighter =
        principalProbe.getRemainingTokens() <= tenantProbe.getRemainingTokens();
    return new Outcome(
        true,
        principalTighter
            ? rateLimit("principal", principalProbe)
            : rateLimit("tenant", tenantProbe),
        limits.policy(),
        0);
  }

  private Outcome consumeInbound(String tenant) {
    Limits limits = limitsByTier.computeIfAbsent(settings.tierOf(tenant), this::limitsOf);
    ConsumptionProbe probe = store.tryConsume("i:" + tenant, limits.principal());
    return probe.isConsumed()
        ? new Outcome(true, rateLimit("principal", probe), limits.policy(), 0)
        : refused("principal", probe, limits.policy());
  }

  private static Outcome refused(String name, ConsumptionProbe probe, String policy) {
    long retryAfter = Math.max(1, ceilSeconds(probe.getNanosToWaitForRefill()));
    return new Outcome(false, rateLimit(name, probe), policy, retryAfter);
  }

  private Limits limitsOf(String tierName) {
    RateLimitTier tier = tiers.getOrDefault(tierName, tiers.get(settings.defaultTier()));
    String policy =
        policy("tenant", tier.tenantRequests(), tier.tenantWindow())
            + ", "
            + policy("principal", tier.principalRequests(), tier.principalWindow());
    return new Limits(
        bucket(tier.tenantRequests(), tier.tenantWindow()),
        bucket(tier.principalRequests(), tier.principalWindow()),
        policy);
  }

  private static BucketConfiguration bucket(long requests, Duration window) {
    return BucketConfiguration.builder()
        .addLimit(limit -> limit.capacity(requests).refillGreedy(requests, window))
        .build();
  }

  private static String policy(String name, long requests, Duration window) {
    return String.format(
        Locale.ROOT, "\"%s\";q=%d;w=%d", name, requests, Math.max(1, window.toSeconds()));
  }

  private static String rateLimit(String name, ConsumptionProbe probe) {
    return String.format(
        Locale.ROOT,
        "\"%s\";r=%d;t=%d",
        name,
        Math.max(0, probe.getRemainingTokens()),
        ceilSeconds(probe.getNanosToWaitForReset()));
  }

  private static long ceilSeconds(long nanos) {
    return (nanos + 999_999_999L) / 1_000_000_000L;
  }

  @Override
  public int getOrder() {
    return ServerFilterPhase.SECURITY.after() + 10;
  }
}
