package dev.agentplane.kit.outbound;

import dev.agentplane.kit.outbound.OutboundHostGuard.HostResolver;
import dev.agentplane.kit.outbound.OutboundHostGuard.Pinning;
import dev.agentplane.kit.outbound.RefusedTargetException.Reason;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which URLs the platform calls on a tenant's behalf, judged right before each call: http or https
 * only, on a port in {@link #allowedPorts} (80 and 443 unless configured otherwise), to a host that
 * {@link OutboundHostGuard#pin} allows. The answer is an {@link OutboundTarget} pinned to the
 * address that was judged; {@link PinnedHttpClients} connects to exactly that address.
 *
 * <p>A host on {@link #allowedHosts} (an operator's choice, for development or a model server on
 * the cluster network) is exempt from the address rule and from the port rule: local servers listen
 * on any port. It is still resolved once and pinned.
 *
 * @param allowedPorts the ports calls may go to, besides those of allowlisted hosts
 * @param allowedHosts hosts exempt from the address and port rules (exact, case-insensitive)
 * @param resolver name resolution; {@link HostResolver#SYSTEM} outside tests
 */
public record OutboundPolicy(
    Set<Integer> allowedPorts, List<String> allowedHosts, HostResolver resolver) {

  /** The ports of http and https. */
  public static final Set<Integer> STANDARD_PORTS = Set.of(80, 443);

  public OutboundPolicy {
    allowedPorts = Set.copyOf(allowedPorts);
    // Hosts come from configuration, where an unset environment variable leaves an empty entry
    // behind: not a host.
    allowedHosts =
        allowedHosts.stream().filter(h -> h != null && !h.isBlank()).map(String::trim).toList();
  }

  /** The standard ports plus {@code extraPorts}, the system resolver; null lists are empty. */
  public static OutboundPolicy of(Collection<Integer> extraPorts, List<String> allowedHosts) {
    return of(extraPorts, allowedHosts, HostResolver.SYSTEM);
  }

  /** The standard ports plus {@code extraPorts}; null lists are empty. */
  public static OutboundPolicy of(
      Collection<Integer> extraPorts, List<String> allowedHosts, HostResolver resolver) {
    Set<Integer> ports = new TreeSet<>(STANDARD_PORTS);
    if (extraPorts != null) {
      ports.addAll(extraPorts);
    }
    if (allowedHosts == null) {
      return new OutboundPolicy(ports, List.of(), resolver);
    }
    return new OutboundPolicy(ports, allowedHosts, resolver);
  }

  /** The same rule with more hosts allowlisted (e.g. one tenant's own). */
  public OutboundPolicy allowingAlso(List<String> moreHosts) {
    if (moreHosts.isEmpty()) {
      return this;
    }
    List<String> hosts = new ArrayList<>(allowedHosts);
    hosts.addAll(moreHosts);
    return new OutboundPolicy(allowedPorts, hosts, resolver);
  }

  /**
   * Judges the URL now and pins it to the address judged.
   *
   * @throws RefusedTargetException when the URL may not be called
   */
  public OutboundTarget target(URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new RefusedTargetException(
          Reason.INVALID_URL, "Only http and https URLs are called, not '" + scheme + "' ones");
    }
    Optional<String> host = hostOf(url);
    if (host.isEmpty()) {
      throw new RefusedTargetException(Reason.INVALID_URL, "The URL has no host");
    }
    int port = portOf(url).orElse(scheme.equals("https") ? 443 : 80);
    String bare = host.get().toLowerCase(Locale.ROOT);
    if (bare.startsWith("[") && bare.endsWith("]")) {
      bare = bare.substring(1, bare.length() - 1);
    }
    boolean allowlisted = OutboundHostGuard.isAllowlisted(bare, allowedHosts);
    // The host as written first (it says more than the port), then the port, both without DNS.
    if (!allowlisted
        && OutboundHostGuard.judge(bare, List.of())
            instanceof OutboundHostGuard.Verdict.Refused asWritten) {
      throw new RefusedTargetException(
          Reason.HOST_NOT_ALLOWED, "Calls to " + bare + " are refused: " + asWritten.reason());
    }
    if (!allowlisted && !allowedPorts.contains(port)) {
      throw new RefusedTargetException(
          Reason.PORT_NOT_ALLOWED,
          "Calls to port "
              + port
              + " are refused: the platform calls only ports "
              + new TreeSet<>(allowedPorts));
    }
    return switch (OutboundHostGuard.pin(bare, allowedHosts, resolver)) {
      case Pinning.Pinned pinned -> new OutboundTarget(url, scheme, bare, port, pinned.address());
      case Pinning.Refused refused ->
          throw new RefusedTargetException(
              Reason.HOST_NOT_ALLOWED, "Calls to " + bare + " are refused: " + refused.reason());
      case Pinning.Unresolved unresolved ->
          throw new RefusedTargetException(Reason.UNRESOLVED, unresolved.reason());
    };
  }

  /**
   * The URL's host as written. {@code java.net.URI} reads shorthand IPv4 spellings ({@code 127.1},
   * {@code 0x7f.1}) and a dotted quad with a root dot as no host at all (a registry-based
   * authority); those are read from the authority here, so that they are judged as the addresses
   * they mean (which is how {@code inet_aton}, and so some clients, read them) instead of passing
   * as "no host". Any other authority without a host stays without one.
   */
  public static Optional<String> hostOf(URI url) {
    if (url.getHost() != null && !url.getHost().isEmpty()) {
      return Optional.of(url.getHost());
    }
    String authority = url.getRawAuthority();
    if (authority == null) {
      return Optional.empty();
    }
    String hostAndPort = authority.substring(authority.lastIndexOf('@') + 1);
    int colon = hostAndPort.lastIndexOf(':');
    String host = colon >= 0 ? hostAndPort.substring(0, colon) : hostAndPort;
    if (host.isEmpty() || host.startsWith("[")) {
      return Optional.empty();
    }
    if (IpLiteral.parse(host).isPresent() || IpLiteral.looksNumeric(host)) {
      return Optional.of(host);
    }
    return Optional.empty();
  }

  private static Optional<Integer> portOf(URI url) {
    if (url.getPort() >= 0) {
      return Optional.of(url.getPort());
    }
    String authority = url.getRawAuthority();
    if (url.getHost() != null || authority == null) {
      return Optional.empty();
    }
    String hostAndPort = authority.substring(authority.lastIndexOf('@') + 1);
    int colon = hostAndPort.lastIndexOf(':');
    if (colon < 0 || colon == hostAndPort.length() - 1) {
      return Optional.empty();
    }
    try {
      return Optional.of(Integer.parseInt(hostAndPort.substring(colon + 1)));
    } catch (NumberFormatException e) {
      return Optional.of(-1);
    }
  }
}
