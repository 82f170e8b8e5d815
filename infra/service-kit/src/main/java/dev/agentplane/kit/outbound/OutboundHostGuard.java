package dev.agentplane.kit.outbound;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The SSRF rule for hosts that registered specs make the platform call: no loopback, link-local,
 * private, unspecified, multicast or reserved address, no name that means this machine or a cloud
 * metadata service, unless the tenant has allowlisted exactly that host.
 *
 * <p>{@link #judge} looks at the host as written and never resolves a name: spec validation must
 * not do I/O. {@link #judgeResolved} also resolves the name and judges every address it gets, for
 * callers accepting a URL they will call later; since an answer from DNS proves nothing about the
 * address reached later (DNS rebinding), callers about to connect use {@link #pin} instead, which
 * resolves once and names the address to connect to, so that nothing resolves the name again
 * ({@link PinnedHttpClients} connects to it).
 */
public final class OutboundHostGuard {

  /** Whether a host may be called, and if not, why. */
  public sealed interface Verdict {
    /** The host may be called. */
    record Allowed() implements Verdict {}

    /** The host (or an address it resolves to) is one the platform must not call. */
    record Refused(String reason) implements Verdict {}

    /** The name does not resolve (now): not refused, but nothing to call either. */
    record Unresolved(String reason) implements Verdict {}
  }

  /** Name resolution, replaceable in tests; {@link #SYSTEM} asks the JVM's resolver. */
  @FunctionalInterface
  public interface HostResolver {
    HostResolver SYSTEM = InetAddress::getAllByName;

    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private OutboundHostGuard() {}

  /** Judges the host as written, without DNS. */
  public static Verdict judge(String host, List<String> allowlist) {
    String normalized = normalize(host);
    if (allowlisted(normalized, allowlist)) {
      return new Verdict.Allowed();
    }
    Optional<String> refusal = refusalOf(normalized);
    return refusal.<Verdict>map(Verdict.Refused::new).orElseGet(Verdict.Allowed::new);
  }

  /**
   * Judges the host as written and then every address it resolves to: a public name that resolves
   * to a private address is refused like the address itself. An allowlisted host is never resolved.
   */
  public static Verdict judgeResolved(String host, List<String> allowlist, HostResolver resolver) {
    if (allowlisted(normalize(host), allowlist)) {
      return new Verdict.Allowed();
    }
    return switch (pin(host, allowlist, resolver)) {
      case Pinning.Pinned pinned -> new Verdict.Allowed();
      case Pinning.Refused refused -> new Verdict.Refused(refused.reason());
      case Pinning.Unresolved unresolved -> new Verdict.Unresolved(unresolved.reason());
    };
  }

  /** The address a connection goes to, judged once, or why there is none. */
  public sealed interface Pinning {
    /**
     * Connect to {@code address} and to nothing else: it is the first of the addresses the one
     * lookup returned, all of which passed (or, for an allowlisted host, were not judged).
     */
    record Pinned(InetAddress address) implements Pinning {}

    /** The host, or an address it resolves to, is one the platform must not call. */
    record Refused(String reason) implements Pinning {}

    /** The name does not resolve (now). */
    record Unresolved(String reason) implements Pinning {}
  }

  /**
   * Resolves the host once, judges every address (unless the host is allowlisted) and names the
   * address to connect to. A connection made to that address, and not to the name, cannot be sent
   * elsewhere by a second DNS answer (rebinding): there is no second lookup. An IP literal, in any
   * spelling {@code inet_aton} accepts, is its own address and never resolved.
   */
  public static Pinning pin(String host, List<String> allowlist, HostResolver resolver) {
    String normalized = normalize(host);
    boolean allowlisted = allowlisted(normalized, allowlist);
    if (!allowlisted) {
      Optional<String> refusal = refusalOf(normalized);
      if (refusal.isPresent()) {
        return new Pinning.Refused(refusal.get());
      }
    }
    Optional<IpLiteral> literal = IpLiteral.parse(normalized);
    if (literal.isPresent()) {
      return new Pinning.Pinned(addressOf(literal.get()));
    }
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(normalized);
    } catch (UnknownHostException e) {
      return new Pinning.Unresolved("'" + normalized + "' does not resolve");
    }
    if (addresses == null || addresses.length == 0) {
      return new Pinning.Unresolved("'" + normalized + "' does not resolve");
    }
    if (!allowlisted) {
      for (InetAddress address : addresses) {
        Optional<String> addressRefusal = refusalOf(address);
        if (addressRefusal.isPresent()) {
          // The kind of address, never the address: reasons reach tenants (a webhook's 422, a tool
          // call's error), and naming what a name resolves to would let them map the internal DNS.
          String reason = addressRefusal.get();
          return new Pinning.Refused(
              "'"
                  + normalized
                  + "' resolves to a refused address: it"
                  + reason.substring(reason.lastIndexOf(" is ")));
        }
      }
    }
    return new Pinning.Pinned(addresses[0]);
  }

  /** Whether the host is on the allowlist (exactly, ignoring case, brackets and a root dot). */
  public static boolean isAllowlisted(String host, List<String> allowlist) {
    return allowlisted(normalize(host), allowlist);
  }

  private static InetAddress addressOf(IpLiteral literal) {
    byte[] bytes =
        switch (literal) {
          case IpLiteral.V4 v4 -> {
            byte[] four = new byte[4];
            for (int i = 0; i < 4; i++) {
              four[i] = (byte) v4.octet(i);
            }
            yield four;
          }
          case IpLiteral.V6 v6 -> {
            byte[] sixteen = new byte[16];
            for (int i = 0; i < 8; i++) {
              sixteen[2 * i] = (byte) (v6.group(i) >>> 8);
              sixteen[2 * i + 1] = (byte) v6.group(i);
            }
            yield sixteen;
          }
        };
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("an address of 4 or 16 bytes is always accepted", e);
    }
  }

  private static boolean allowlisted(String normalized, List<String> allowlist) {
    for (String allowed : allowlist) {
      if (allowed != null && normalize(allowed).equals(normalized)) {
        return true;
      }
    }
    return false;
  }

  private static Optional<String> refusalOf(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (address instanceof Inet4Address) {
      long value = 0;
      for (byte b : bytes) {
        value = (value << 8) | (b & 0xff);
      }
      return refusalOf(new IpLiteral.V4(value));
    }
    if (address instanceof Inet6Address) {
      int[] groups = new int[8];
      for (int i = 0; i < 8; i++) {
        groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
      }
      return refusalOf(new IpLiteral.V6(groups));
    }
    return Optional.of(address + " is an address of an unknown family");
  }

  // Case, IPv6 brackets and a trailing root dot do not change which host a name means.
  private static String normalize(String host) {
    String lower = host.trim().toLowerCase(Locale.ROOT);
    if (lower.startsWith("[") && lower.endsWith("]")) {
      lower = lower.substring(1, lower.length() - 1);
    }
    while (lower.endsWith(".")) {
      lower = lower.substring(0, lower.length() - 1);
    }
    return lower;
  }

  private static Optional<String> refusalOf(String host) {
    if (host.isEmpty()) {
      return Optional.of("the host is empty");
    }
    if (host.equals("localhost") || host.endsWith(".localhost")) {
      return Optional.of("'" + host + "' names this machine (loopback)");
    }
    // "metadata" is what GCE's resolver search path turns into metadata.google.internal.
    if (host.equals("metadata.google.internal") || host.equals("metadata")) {
      return Optional.of("'" + host + "' is a cloud metadata service");
    }
    Optional<IpLiteral> literal = IpLiteral.parse(host);
    if (literal.isEmpty()) {
      if (host.indexOf(':') >= 0 || IpLiteral.looksNumeric(host)) {
        return Optional.of("'" + host + "' is neither a valid IP address nor a DNS name");
      }
      return Optional.empty();
    }
    return switch (literal.get()) {
      case IpLiteral.V4 v4 -> refusalOf(v4);
      case IpLiteral.V6 v6 -> refusalOf(v6);
    };
  }

  private static Optional<String> refusalOf(IpLiteral.V4 address) {
    String range = rangeOf(address);
    return range == null ? Optional.empty() : Optional.of(address + " is " + range);
  }

  private static String rangeOf(IpLiteral.V4 address) {
    if (address.in(0x00000000L, 8)) {
      return "an unspecified address (0.0.0.0/8)";
    }
    if (address.in(0x7f000000L, 8)) {
      return "a loopback address (127.0.0.0/8)";
    }
    if (address.in(0xa9fe0000L, 16)) {
      return "a link-local address (169.254.0.0/16, where cloud metadata services live)";
    }
    if (address.in(0x0a000000L, 8)) {
      return "a private address (10.0.0.0/8)";
    }
    if (address.in(0xac100000L, 12)) {
      return "a private address (172.16.0.0/12)";
    }
    if (address.in(0xc0a80000L, 16)) {
      return "a private address (192.168.0.0/16)";
    }
    if (address.in(0x64400000L, 10)) {
      return "a shared carrier-grade NAT address (100.64.0.0/10)";
    }
    if (address.in(0xc0000000L, 24)) {
      return "an IETF protocol assignment (192.0.0.0/24)";
    }
    if (address.in(0xc6120000L, 15)) {
      return "a benchmarking address (198.18.0.0/15)";
    }
    if (address.in(0xe0000000L, 4)) {
      return "a multicast address (224.0.0.0/4)";
    }
    if (address.in(0xf0000000L, 4)) {
      return "a reserved or broadcast address (240.0.0.0/4)";
    }
    return null;
  }

  private static Optional<String> refusalOf(IpLiteral.V6 address) {
    String text = "[" + formatV6(address) + "]";
    if (address.allZero(0, 8)) {
      return Optional.of(text + " is the unspecified address");
    }
    if (address.allZero(0, 7) && address.group(7) == 1) {
      return Optional.of(text + " is the loopback address");
    }
    int first = address.group(0);
    if ((first & 0xffc0) == 0xfe80) {
      return Optional.of(text + " is a link-local address (fe80::/10)");
    }
    if ((first & 0xffc0) == 0xfec0) {
      return Optional.of(text + " is a site-local address (fec0::/10)");
    }
    if ((first & 0xfe00) == 0xfc00) {
      return Optional.of(text + " is a unique local (private) address (fc00::/7)");
    }
    if ((first & 0xff00) == 0xff00) {
      return Optional.of(text + " is a multicast address (ff00::/8)");
    }
    // Forms that carry an IPv4 address, which is what the connection ends up reaching.
    Optional<IpLiteral.V4> embedded = embeddedV4(address);
    if (embedded.isPresent()) {
      String range = rangeOf(embedded.get());
      if (range != null) {
        return Optional.of(text + " embeds " + embedded.get() + ", which is " + range);
      }
    }
    return Optional.empty();
  }

  private static Optional<IpLiteral.V4> embeddedV4(IpLiteral.V6 address) {
    boolean mapped = address.allZero(0, 5) && address.group(5) == 0xffff; // ::ffff:0:0/96
    boolean compatible = address.allZero(0, 6); // ::/96, deprecated but still parsed
    boolean nat64 = address.group(0) == 0x64 && address.group(1) == 0xff9b && address.allZero(2, 6);
    if (mapped || compatible || nat64) {
      return Optional.of(address.low32());
    }
    if (address.group(0) == 0x2002) { // 6to4: 2002:AABB:CCDD::/48
      return Optional.of(new IpLiteral.V4(((long) address.group(1) << 16) | address.group(2)));
    }
    return Optional.empty();
  }

  private static String formatV6(IpLiteral.V6 address) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i > 0) {
        text.append(':');
      }
      text.append(Integer.toHexString(address.group(i)));
    }
    return text.toString();
  }
}
