package dev.agentplane.execution.outbound;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.util.List;

/**
 * Which private hosts runs may call ({@code agentplane.execution.outbound.*}).
 *
 * @param allowedHosts exact hosts or literal IPs that pass the SSRF rule although private (e.g. a
 *     model server on the cluster network); empty by default. Mirrors the registry's tenant
 *     allowlist, which judged the host as written at registration.
 */
@ConfigurationProperties("agentplane.execution.outbound")
public record OutboundSettings(@Bindable(defaultValue = "") List<String> allowedHosts) {

  public OutboundSettings {
    allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
  }
}
