package dev.agentplane.execution.outbound;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import java.util.List;

/**
 * Where runs may call ({@code agentplane.execution.outbound.*}).
 *
 * @param allowedHosts exact hosts or literal IPs that pass the SSRF rule although private (e.g. a
 *     model server on the cluster network), on any port; empty by default. Mirrors the registry's
 *     tenant allowlist, which judged the host as written at registration.
 * @param allowedPorts ports calls may go to besides 80 and 443 (e.g. 8443); empty by default
 */
@ConfigurationProperties("agentplane.execution.outbound")
public record OutboundSettings(
    @Bindable(defaultValue = "") List<String> allowedHosts, @Nullable List<Integer> allowedPorts) {}
