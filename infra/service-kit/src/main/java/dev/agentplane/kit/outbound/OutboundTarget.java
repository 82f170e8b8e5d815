package dev.agentplane.kit.outbound;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * A URL the platform may call, pinned to the one address {@link OutboundPolicy} judged: the
 * connection goes to {@link #connectUri()} (that address as an IP literal), while the request still
 * names {@link #hostHeader()} and TLS still asks for, and verifies, {@link #serverName()}.
 *
 * @param url the URL as the tenant wrote it
 * @param scheme {@code http} or {@code https}
 * @param host the host as written, in lower case, without brackets
 * @param port the port the connection goes to
 * @param address the judged address
 */
public record OutboundTarget(URI url, String scheme, String host, int port, InetAddress address) {

  /** The URL with its host replaced by the pinned address: what the HTTP client connects to. */
  public URI connectUri() {
    try {
      return new URI(
          scheme
              + "://"
              + addressLiteral()
              + ":"
              + port
              + (url.getRawPath() == null ? "" : url.getRawPath())
              + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery()));
    } catch (URISyntaxException e) {
      throw new IllegalStateException("a URL with an IP literal host is always a URI", e);
    }
  }

  /**
   * Another URL of the same origin (a client library appending a path to a base URL), pinned to the
   * same address without a second lookup.
   *
   * @throws RefusedTargetException when the URL leaves this origin: it was never judged
   */
  public OutboundTarget sameOrigin(URI other) {
    String otherScheme =
        other.getScheme() == null ? "" : other.getScheme().toLowerCase(Locale.ROOT);
    String otherHost = OutboundPolicy.hostOf(other).orElse("").toLowerCase(Locale.ROOT);
    if (otherHost.startsWith("[") && otherHost.endsWith("]")) {
      otherHost = otherHost.substring(1, otherHost.length() - 1);
    }
    int otherPort = other.getPort() >= 0 ? other.getPort() : otherScheme.equals("https") ? 443 : 80;
    if (!otherScheme.equals(scheme) || !otherHost.equals(host) || otherPort != port) {
      throw new RefusedTargetException(
          RefusedTargetException.Reason.HOST_NOT_ALLOWED,
          "Calls from " + origin() + " may not go elsewhere; a call to another origin was refused");
    }
    return new OutboundTarget(other, scheme, host, port, address);
  }

  /** {@code Host} as the URL names it (RFC 9110 §7.2): the host, and the port unless default. */
  public String hostHeader() {
    String name = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return port == defaultPort() ? name : name + ":" + port;
  }

  /**
   * The name TLS sends as SNI and verifies the certificate against; empty when the URL names an IP
   * address, which the certificate must then carry.
   */
  public Optional<String> serverName() {
    if (IpLiteral.parse(host).isPresent()) {
      return Optional.empty();
    }
    // "example.com." names the same host, but SNI carries names without the root dot (RFC 6066).
    return Optional.of(host.endsWith(".") ? host.substring(0, host.length() - 1) : host);
  }

  /** {@code scheme://host[:port]} as written: how messages name the target. */
  public String origin() {
    return scheme + "://" + hostHeader();
  }

  /**
   * The text with the pinned address replaced by words: client errors (a TLS name mismatch, a
   * refused connection) may quote the address connected to, which a tenant must not learn.
   */
  public String redact(String text) {
    if (text == null || serverName().isEmpty()) {
      return text;
    }
    String words = "(the address " + host + " resolves to)";
    String redacted = text.replace(addressLiteral(), words);
    String bare = address.getHostAddress();
    return redacted.replace(bare, words);
  }

  private String addressLiteral() {
    String bare = address.getHostAddress();
    int zone = bare.indexOf('%');
    if (zone >= 0) {
      bare = bare.substring(0, zone);
    }
    return address instanceof Inet6Address ? "[" + bare + "]" : bare;
  }

  private int defaultPort() {
    return scheme.equals("https") ? 443 : 80;
  }
}
