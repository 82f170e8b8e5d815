package dev.agentplane.kit.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.agentplane.kit.outbound.OutboundHostGuard.HostResolver;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests made through {@link PinnedHttpClients} reach the address that was judged, with the name
 * in {@code Host} and in TLS, against real servers on loopback addresses.
 */
class PinnedHttpClientsTest {

  private static final char[] PASSWORD = "changeit".toCharArray();

  private final Queue<String> firstServerHosts = new ConcurrentLinkedQueue<>();
  private final Queue<String> secondServerHosts = new ConcurrentLinkedQueue<>();
  private HttpServer first;
  private HttpServer second;
  private PinnedHttpClients clients;

  @AfterEach
  void stop() {
    if (clients != null) {
      clients.close();
    }
    if (first != null) {
      first.stop(0);
    }
    if (second != null) {
      second.stop(0);
    }
  }

  @Test
  void theRequestGoesToTheJudgedAddressAndNamesTheHostAsWritten() throws Exception {
    first =
        recordingServer(
            HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), firstServerHosts);
    int port = first.getAddress().getPort();
    clients = new PinnedHttpClients(Duration.ofSeconds(2));
    OutboundTarget target =
        allowing("tool.test", name -> new InetAddress[] {address("127.0.0.1")})
            .target(URI.create("http://Tool.Test:" + port + "/echo?x=1"));

    HttpResponse<String> response =
        clients
            .clientFor(target)
            .send(clients.newRequest(target).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(firstServerHosts).containsExactly("tool.test:" + port + " /echo?x=1");
  }

  @Test
  void aNameRebindingBetweenTheCheckAndTheConnectionStillReachesTheCheckedAddress()
      throws Exception {
    // Two servers on one port at two loopback addresses: the first answer and the rebound one.
    first =
        recordingServer(
            HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), firstServerHosts);
    int port = first.getAddress().getPort();
    second =
        recordingServer(
            HttpServer.create(new InetSocketAddress("127.0.0.2", port), 0), secondServerHosts);
    AtomicInteger lookups = new AtomicInteger();
    HostResolver rebinding =
        name ->
            new InetAddress[] {address(lookups.getAndIncrement() == 0 ? "127.0.0.1" : "127.0.0.2")};
    clients = new PinnedHttpClients(Duration.ofSeconds(2));

    OutboundTarget target =
        allowing("rebind.test", rebinding).target(URI.create("http://rebind.test:" + port + "/"));
    for (int i = 0; i < 3; i++) {
      clients
          .clientFor(target)
          .send(clients.newRequest(target).build(), HttpResponse.BodyHandlers.discarding());
    }

    assertThat(lookups).hasValue(1);
    assertThat(firstServerHosts).hasSize(3);
    assertThat(secondServerHosts).isEmpty();
  }

  @Test
  void httpsVerifiesTheCertificateAgainstTheNameNotTheAddress() throws Exception {
    first = recordingServer(tlsServer(), firstServerHosts);
    int port = first.getAddress().getPort();
    clients = new PinnedHttpClients(Duration.ofSeconds(2), PinnedHttpClientsTest::trustingTestCa);
    HostResolver loopback = name -> new InetAddress[] {address("127.0.0.1")};

    OutboundTarget named =
        allowing("tool.test", loopback).target(URI.create("https://tool.test:" + port + "/a"));
    HttpResponse<String> response =
        clients
            .clientFor(named)
            .send(clients.newRequest(named).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);

    // Same address and port, another name: the certificate (for tool.test only) does not fit,
    // although a session with this very server was just established under the first name.
    OutboundTarget misnamed =
        allowing("other.test", loopback).target(URI.create("https://other.test:" + port + "/b"));
    assertThatThrownBy(
            () ->
                clients
                    .clientFor(misnamed)
                    .send(
                        clients.newRequest(misnamed).build(), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(SSLHandshakeException.class)
        .satisfies(
            failure ->
                assertThat(misnamed.redact(failure.getMessage())).doesNotContain("127.0.0.1"));
    assertThat(firstServerHosts).containsExactly("tool.test:" + port + " /a");
  }

  @Test
  void redirectsAreNotFollowed() throws Exception {
    second =
        recordingServer(
            HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), secondServerHosts);
    first = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    first.createContext(
        "/",
        exchange -> {
          exchange
              .getResponseHeaders()
              .set("Location", "http://127.0.0.1:" + second.getAddress().getPort() + "/internal");
          exchange.sendResponseHeaders(302, -1);
          exchange.close();
        });
    first.start();
    clients = new PinnedHttpClients(Duration.ofSeconds(2));
    OutboundTarget target =
        allowing("hop.test", name -> new InetAddress[] {address("127.0.0.1")})
            .target(URI.create("http://hop.test:" + first.getAddress().getPort() + "/"));

    HttpResponse<Void> response =
        clients
            .clientFor(target)
            .send(clients.newRequest(target).build(), HttpResponse.BodyHandlers.discarding());

    assertThat(response.statusCode()).isEqualTo(302);
    assertThat(secondServerHosts).isEmpty();
  }

  private static OutboundPolicy allowing(String host, HostResolver resolver) {
    return OutboundPolicy.of(List.of(), List.of(host), resolver);
  }

  private static <S extends HttpServer> S recordingServer(S server, Queue<String> hosts) {
    server.createContext(
        "/",
        exchange -> {
          hosts.add(exchange.getRequestHeaders().getFirst("Host") + " " + exchange.getRequestURI());
          respond(exchange);
        });
    server.start();
    return server;
  }

  private static void respond(HttpExchange exchange) throws IOException {
    byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }

  private static HttpsServer tlsServer() throws IOException, GeneralSecurityException {
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(testKeyStore(), PASSWORD);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(context));
    return server;
  }

  private static SSLContext trustingTestCa() {
    try {
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(testKeyStore());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A self-signed certificate for tool.test only (no IP address), valid for a century. */
  private static KeyStore testKeyStore() throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in =
        PinnedHttpClientsTest.class.getResourceAsStream("/outbound/tool-test.p12")) {
      store.load(in, PASSWORD);
    }
    return store;
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }
}
