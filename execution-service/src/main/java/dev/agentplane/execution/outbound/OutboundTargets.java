package dev.agentplane.execution.outbound;

import dev.agentplane.kit.outbound.OutboundHostGuard.HostResolver;
import dev.agentplane.kit.outbound.OutboundPolicy;
import dev.agentplane.kit.outbound.OutboundTarget;
import dev.agentplane.kit.outbound.RefusedTargetException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.URI;
import java.util.List;

/**
 * The SSRF rule applied at call time: before every call a run makes on a tenant's behalf (HTTP
 * tools, MCP servers, OpenAI-compatible endpoints), the host is resolved now, every address it
 * resolves to is judged, and the call is pinned to the address judged ({@link OutboundTarget}, sent
 * through {@link dev.agentplane.kit.outbound.PinnedHttpClients}): a name that was public at
 * registration, or a moment ago, cannot lead the connection to a metadata service (DNS rebinding),
 * since nothing resolves it a second time.
 */
@Singleton
public class OutboundTargets {

  private final OutboundPolicy policy;

  @Inject
  public OutboundTargets(OutboundSettings settings) {
    this(OutboundPolicy.of(settings.allowedPorts(), settings.allowedHosts()));
  }

  /** The standard ports only, {@code allowedHosts} exempt. */
  public OutboundTargets(List<String> allowedHosts, HostResolver resolver) {
    this(OutboundPolicy.of(List.of(), allowedHosts, resolver));
  }

  public OutboundTargets(OutboundPolicy policy) {
    this.policy = policy;
  }

  /**
   * The target to connect to, pinned to the address judged now.
   *
   * @throws BlockedTargetException when the URL, its port, its host or an address it resolves to is
   *     refused, or it does not resolve; the message never names a resolved address
   */
  public OutboundTarget pin(URI target) {
    try {
      return policy.target(target);
    } catch (RefusedTargetException e) {
      throw new BlockedTargetException(e.getMessage());
    }
  }
}
