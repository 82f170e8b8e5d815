package dev.agentplane.gateway.routing;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The services behind the gateway and the path prefixes each owns (ARCHITECTURE.md). The table is
 * the platform's contract, so it is code; where each service runs is configuration ({@code
 * micronaut.http.services.<name>.url}).
 */
public enum Upstream {
  REGISTRY("/v1/agents", "/v1/tools", "/v1/secrets"),
  EXECUTION("/v1/runs", "/v1/usage"),
  APPROVAL("/v1/approvals", "/v1/webhooks");

  /** Every path the gateway proxies lies below this. */
  public static final String PROXIED_PATHS = "/v1/**";

  private final List<String> prefixes;

  Upstream(String... prefixes) {
    this.prefixes = List.of(prefixes);
  }

  /** The client id and metric/log label: {@code registry}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The upstream owning a path: {@code /v1/agents} and {@code /v1/agents/a1} are the registry's.
   */
  public static Optional<Upstream> forPath(String path) {
    for (Upstream upstream : values()) {
      for (String prefix : upstream.prefixes) {
        if (path.startsWith(prefix)
            && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/')) {
          return Optional.of(upstream);
        }
      }
    }
    return Optional.empty();
  }

  public static Optional<Upstream> byId(String id) {
    for (Upstream upstream : values()) {
      if (upstream.id().equals(id)) {
        return Optional.of(upstream);
      }
    }
    return Optional.empty();
  }
}
