package dev.agentplane.approval.webhook;

import dev.agentplane.kit.outbound.OutboundHostGuard;
import dev.agentplane.kit.outbound.OutboundHostGuard.HostResolver;
import dev.agentplane.kit.outbound.OutboundPolicy;
import dev.agentplane.kit.outbound.OutboundTarget;
import dev.agentplane.kit.outbound.RefusedTargetException;
import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Which URLs a tenant may subscribe and the platform may call: absolute http(s) (https only unless
 * configured otherwise), no credentials in the URL, port 80 or 443 (or one in {@code
 * allowed-ports}), and a host that passes the SSRF guard after DNS resolution, unless the host is
 * allowlisted for every tenant or for this one (then any port). Judged when a URL is subscribed,
 * and again right before every delivery attempt, which then connects to the very address judged
 * ({@link #target}): DNS may have changed since, and must not change again in between.
 */
@Singleton
class WebhookUrlPolicy {

  static final int MAX_URL_LENGTH = 2048;

  /** Hosts one tenant may subscribe although loopback or private: {@code tenants.<id>.*}. */
  @EachProperty("agentplane.approval.webhooks.tenants")
  record TenantHosts(@Parameter String tenantId, @Nullable List<String> allowedHosts) {}

  /** The resolver the SSRF guard asks; the JVM's, replaced only in tests. */
  @Factory
  static class Resolution {
    @Singleton
    HostResolver hostResolver() {
      return HostResolver.SYSTEM;
    }
  }

  private final WebhookSettings settings;
  private final Map<String, List<String>> tenantHosts;
  private final OutboundPolicy everyTenant;

  @Inject
  WebhookUrlPolicy(WebhookSettings settings, List<TenantHosts> tenants, HostResolver resolver) {
    this.settings = settings;
    this.tenantHosts =
        tenants.stream()
            .collect(
                Collectors.toUnmodifiableMap(
                    TenantHosts::tenantId,
                    t -> t.allowedHosts() == null ? List.of() : List.copyOf(t.allowedHosts())));
    this.everyTenant =
        OutboundPolicy.of(settings.allowedPorts(), settings.allowedHosts(), resolver);
  }

  /** Why the URL may not be subscribed by the tenant, or empty when it may. */
  Optional<String> refusalOf(String tenantId, String url) {
    if (url.length() > MAX_URL_LENGTH) {
      return Optional.of("url is longer than " + MAX_URL_LENGTH + " characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return Optional.of("url is not a valid URI: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      return Optional.of("url must be an absolute https URL");
    }
    if (scheme.equals("http") && settings.requireHttps()) {
      return Optional.of("url must use https (plain http is accepted only in development)");
    }
    if (uri.getRawUserInfo() != null
        || (uri.getHost() == null
            && uri.getRawAuthority() != null
            && uri.getRawAuthority().indexOf('@') >= 0)) {
      return Optional.of("url must not carry credentials; receivers verify the signature instead");
    }
    if (OutboundPolicy.hostOf(uri).isEmpty()) {
      return Optional.of("url has no host");
    }
    if (uri.getRawFragment() != null) {
      return Optional.of("url must not have a fragment");
    }
    try {
      target(tenantId, uri);
      return Optional.empty();
    } catch (RefusedTargetException refused) {
      if (refused.reason() == RefusedTargetException.Reason.UNRESOLVED
          && OutboundHostGuard.isAllowlisted(
              OutboundPolicy.hostOf(uri).orElseThrow(), allowlist(tenantId))) {
        // The operator vouched for the host; it may come up later (each attempt resolves it).
        return Optional.empty();
      }
      return Optional.of(
          switch (refused.reason()) {
            case HOST_NOT_ALLOWED ->
                refused.getMessage()
                    + "; webhooks are not sent to private, loopback, link-local or metadata"
                    + " addresses unless the operator allowlists the host";
            case PORT_NOT_ALLOWED ->
                refused.getMessage() + " (the operator may allow more: allowed-ports)";
            case INVALID_URL, UNRESOLVED -> refused.getMessage();
          });
    }
  }

  /**
   * The URL judged now and pinned to the address judged, for an attempt about to connect.
   *
   * @throws RefusedTargetException when it may not be called (now)
   */
  OutboundTarget target(String tenantId, URI url) {
    return everyTenant.allowingAlso(tenantHosts.getOrDefault(tenantId, List.of())).target(url);
  }

  private List<String> allowlist(String tenantId) {
    return everyTenant.allowingAlso(tenantHosts.getOrDefault(tenantId, List.of())).allowedHosts();
  }
}
