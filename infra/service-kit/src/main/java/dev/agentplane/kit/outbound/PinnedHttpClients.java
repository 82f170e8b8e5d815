package dev.agentplane.kit.outbound;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * JDK {@link HttpClient}s that connect to the address an {@link OutboundTarget} was judged by, not
 * to whatever its name resolves to when the connection is made. The JDK client has no resolver
 * hook, so the request goes to the address as an IP literal ({@link OutboundTarget#connectUri()})
 * and carries the name where the server looks for it:
 *
 * <ul>
 *   <li>{@code Host}: set from the URL. The JDK refuses to let callers set it unless the JVM runs
 *       with {@code -Djdk.httpclient.allowRestrictedHeaders=host}; {@link #allowHostHeader()} sets
 *       that first thing in each service's {@code main}, the build's test JVMs get it on their
 *       command line, and the constructor fails fast when it is missing.
 *   <li>TLS: for https the client's {@link SSLParameters} carry the name as SNI. With SNI present,
 *       the JDK's trust manager verifies the certificate against that name (endpoint identification
 *       {@code HTTPS}), not against the IP literal. SNI is a client-wide setting, hence one client
 *       per https host name (at most {@link #MAX_TLS_CLIENTS}, least recently used dropped after
 *       its exchanges finish), each with an {@link SSLContext} of its own: a TLS session cache
 *       shared across names would let a session resumed at the same address and port stand in for a
 *       certificate check of another name.
 * </ul>
 *
 * <p>Every client follows no redirects (the next hop was never judged; callers report a 3xx as it
 * is) and speaks HTTP/1.1 (so cancelling an exchange closes its connection and the server sees the
 * abort). Plain http shares one client, whose pool is keyed by address and port.
 */
public final class PinnedHttpClients implements AutoCloseable {

  static final String RESTRICTED_HEADERS_PROPERTY = "jdk.httpclient.allowRestrictedHeaders";
  static final int MAX_TLS_CLIENTS = 64;

  private final Duration connectTimeout;
  private final Supplier<SSLContext> tls;
  private final HttpClient plain;
  private final Map<String, HttpClient> byServerName;

  /**
   * Lets the JDK client send a {@code Host} header of the caller's. Takes effect only if called
   * before the JDK's HTTP client is first used in this JVM (it reads the property once), so the
   * services call it first thing in {@code main}.
   */
  public static void allowHostHeader() {
    String allowed = System.getProperty(RESTRICTED_HEADERS_PROPERTY);
    if (allowed == null || allowed.isBlank()) {
      System.setProperty(RESTRICTED_HEADERS_PROPERTY, "host");
    } else if (!List.of(allowed.toLowerCase(java.util.Locale.ROOT).split("\\s*,\\s*"))
        .contains("host")) {
      System.setProperty(RESTRICTED_HEADERS_PROPERTY, allowed + ",host");
    }
  }

  /** Clients trusting the JVM's default trust store. */
  public PinnedHttpClients(Duration connectTimeout) {
    this(connectTimeout, PinnedHttpClients::defaultTls);
  }

  /**
   * @param tls a fresh {@link SSLContext} per https host (tests pass one trusting their own CA)
   */
  public PinnedHttpClients(Duration connectTimeout, Supplier<SSLContext> tls) {
    requireHostHeaderAllowed();
    this.connectTimeout = connectTimeout;
    this.tls = tls;
    this.plain = builder().build();
    this.byServerName =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, HttpClient> eldest) {
            if (size() > MAX_TLS_CLIENTS) {
              eldest.getValue().shutdown(); // exchanges in flight finish first
              return true;
            }
            return false;
          }
        };
  }

  /** The client that reaches the target's pinned address (and, for https, verifies its name). */
  public HttpClient clientFor(OutboundTarget target) {
    if (!target.scheme().equals("https")) {
      return plain;
    }
    String serverName = target.serverName().orElse("");
    synchronized (byServerName) {
      return byServerName.computeIfAbsent(serverName, this::tlsClient);
    }
  }

  /** A request to the pinned address that names the target's host in {@code Host}. */
  public HttpRequest.Builder newRequest(OutboundTarget target) {
    return HttpRequest.newBuilder(target.connectUri()).setHeader("Host", target.hostHeader());
  }

  private HttpClient tlsClient(String serverName) {
    HttpClient.Builder builder = builder().sslContext(tls.get());
    if (!serverName.isEmpty()) {
      SSLParameters parameters = new SSLParameters();
      try {
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
      } catch (IllegalArgumentException notAHostName) {
        // A name SNI cannot carry (e.g. with '_'): no SNI, so the certificate is checked against
        // the address, which fails safe for a name-only certificate.
      }
      builder.sslParameters(parameters);
    }
    return builder.build();
  }

  private HttpClient.Builder builder() {
    return HttpClient.newBuilder()
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1);
  }

  private static SSLContext defaultTls() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, null, null); // the JVM's default key and trust managers
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("The JVM offers no TLS", e);
    }
  }

  private static void requireHostHeaderAllowed() {
    try {
      HttpRequest.newBuilder().setHeader("Host", "probe.invalid");
    } catch (IllegalArgumentException restricted) {
      throw new IllegalStateException(
          "Outbound calls are pinned to the address they were checked against, which needs the"
              + " JDK HTTP client to send the Host header: start the JVM with -D"
              + RESTRICTED_HEADERS_PROPERTY
              + "=host (or call PinnedHttpClients.allowHostHeader() before any HTTP client is"
              + " used)",
          restricted);
    }
  }

  @Override
  public void close() {
    plain.shutdownNow();
    List<HttpClient> clients;
    synchronized (byServerName) {
      clients = new ArrayList<>(byServerName.values());
      byServerName.clear();
    }
    clients.forEach(HttpClient::shutdownNow);
  }
}
