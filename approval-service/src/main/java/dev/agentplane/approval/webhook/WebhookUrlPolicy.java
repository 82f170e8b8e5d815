package dev.agentplane.approval.webhook;

import dev.agentplane.kit.outbound.OutboundHostGuard;
import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Which URLs a tenant may subscribe and the platform may call: absolute http(s) (https only unless
 * configured otherwise), no credentials in the URL, and a host that passes the SSRF guard after DNS
 * resolution, unless the host is allowlisted for every tenant or for this one. Judged when a URL is
 * subscribed and again before every delivery attempt (DNS may have changed since).
 */
@Singleton
class WebhookUrlPolicy {

  static final int MAX_URL_LENGTH = 2048;

  /** Hosts one tenant may subscribe although loopback or private: {@code tenants.<id>.*}. */
  @EachProperty("agentplane.approval.webhooks.tenants")
  record TenantHosts(@Parameter String tenantId, @Nullable List<String> allowedHosts) {}

  private final WebhookSettings settings;
  private final Map<String, List<String>> tenantHosts;
  private final OutboundHostGuard.HostResolver resolver;

  @Inject
  WebhookUrlPolicy(WebhookSettings settings, List<TenantHosts> tenants) {
    this(settings, tenants, OutboundHostGuard.HostResolver.SYSTEM);
  }

  WebhookUrlPolicy(
      WebhookSettings settings,
      List<TenantHosts> tenants,
      OutboundHostGuard.HostResolver resolver) {
    this.settings = settings;
    this.tenantHosts =
        tenants.stream()
            .collect(
                Collectors.toUnmodifiableMap(
                    TenantHosts::tenantId,
                    t -> t.allowedHosts() == null ? List.of() : List.copyOf(t.allowedHosts())));
    this.resolver = resolver;
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
    if (uri.getRawUserInfo() != null) {
      return Optional.of("url must not carry credentials; receivers verify the signature instead");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      return Optional.of("url has no host");
    }
    if (uri.getRawFragment() != null) {
      return Optional.of("url must not have a fragment");
    }
    return switch (judgeHost(tenantId, uri.getHost())) {
      case OutboundHostGuard.Verdict.Allowed allowed -> Optional.empty();
      case OutboundHostGuard.Verdict.Refused refused ->
          Optional.of(
              refused.reason()
                  + "; webhooks are not sent to private, loopback, link-local or metadata"
                  + " addresses unless the operator allowlists the host");
      case OutboundHostGuard.Verdict.Unresolved unresolved -> Optional.of(unresolved.reason());
    };
  }

  /** The SSRF verdict on a host, right before calling it. */
  OutboundHostGuard.Verdict judgeHost(String tenantId, String host) {
    List<String> allowlist = new ArrayList<>(settings.allowedHosts());
    allowlist.addAll(tenantHosts.getOrDefault(tenantId, List.of()));
    return OutboundHostGuard.judgeResolved(host, allowlist, resolver);
  }
}
