package dev.agentplane.execution.outbound;

import dev.agentplane.kit.outbound.OutboundHostGuard;
import dev.agentplane.kit.outbound.OutboundHostGuard.HostResolver;
import dev.agentplane.kit.outbound.OutboundHostGuard.Verdict;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;

/**
 * The SSRF rule applied at call time: before every call a run makes on a tenant's behalf (HTTP
 * tools, MCP servers, OpenAI-compatible endpoints), the host is resolved now and every address it
 * resolves to is judged, because a name that was public at registration can point at a metadata
 * service today (DNS rebinding).
 */
@Singleton
public class OutboundTargets {

  private final List<String> allowedHosts;
  private final HostResolver resolver;

  @Inject
  public OutboundTargets(OutboundSettings settings) {
    this(settings.allowedHosts(), HostResolver.SYSTEM);
  }

  public OutboundTargets(List<String> allowedHosts, HostResolver resolver) {
    this.allowedHosts = List.copyOf(allowedHosts);
    this.resolver = resolver;
  }

  /**
   * An HTTP client for calls to targets this class checked: redirects are never followed (a
   * redirect could lead to a host the check would refuse), and HTTP/1.1, so cancelling an exchange
   * closes its connection and the server sees the abort.
   */
  public static HttpClient client(Duration connectTimeout) {
    return HttpClient.newBuilder()
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1)
        .build();
  }

  /**
   * Passes when the URI's host may be called now.
   *
   * @throws BlockedTargetException when the host, or an address it resolves to, is refused, or it
   *     does not resolve
   */
  public void check(URI target) {
    String host = target.getHost();
    if (host == null || host.isBlank()) {
      throw new BlockedTargetException("The URL " + target + " has no host");
    }
    Verdict verdict = OutboundHostGuard.judgeResolved(host, allowedHosts, resolver);
    switch (verdict) {
      case Verdict.Allowed allowed -> {}
      case Verdict.Refused refused ->
          throw new BlockedTargetException(
              "Calls to " + host + " are refused: " + refused.reason());
      case Verdict.Unresolved unresolved ->
          throw new BlockedTargetException(host + " does not resolve: " + unresolved.reason());
    }
  }
}
