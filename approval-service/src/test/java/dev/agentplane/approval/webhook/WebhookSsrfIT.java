package dev.agentplane.approval.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.agentplane.approval.request.ApprovalNotice;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF rule at connect time for webhook deliveries, with DNS scripted by the test ({@link
 * SwitchingDns}) and real receivers on two loopback addresses sharing one port (the port is in
 * {@code allowed-ports}, so only the address rule decides): an attempt connects to the address it
 * judged, a name rebinding to loopback is refused, a redirect is not followed.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookSsrfIT extends WebhookTestSupport {

  private static final Duration DEADLINE = Duration.ofSeconds(20);

  /** TEST-NET-3 (RFC 5737): public to the rule, routed nowhere, so a connection to it fails. */
  private static final String PUBLIC_NOWHERE = "203.0.113.10";

  private static final int PORT = freePort();

  @Inject SwitchingDns dns;

  private final Queue<String> loopbackReceived = new ConcurrentLinkedQueue<>();
  private final Queue<String> secondLoopbackReceived = new ConcurrentLinkedQueue<>();
  private volatile int loopbackStatus = 204;
  private HttpServer loopback;
  private HttpServer secondLoopback;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new HashMap<>(super.getProperties());
    properties.put(SwitchingDns.ENABLED, "true");
    properties.put("agentplane.approval.webhooks.allowed-ports", Integer.toString(PORT));
    properties.put("agentplane.approval.webhooks.allowed-hosts", "pinned.test,hop.test");
    return properties;
  }

  @BeforeEach
  void startReceivers() {
    // One test instance for the class (the context is shared): nothing carries over.
    loopbackReceived.clear();
    secondLoopbackReceived.clear();
    loopbackStatus = 204;
    loopback = receiver("127.0.0.1", loopbackReceived, true);
    secondLoopback = receiver("127.0.0.2", secondLoopbackReceived, false);
  }

  @AfterEach
  void stopReceivers() {
    loopback.stop(0);
    secondLoopback.stop(0);
  }

  @Test
  void anAttemptConnectsToTheAddressItJudgedWhateverDnsAnswersAfterwards() {
    String tenant = newTenant();
    // Subscribing and the attempt each look once; any later lookup would lead elsewhere.
    dns.script("pinned.test", "127.0.0.1", "127.0.0.1", "127.0.0.2");
    JsonNode webhook =
        subscribe(tenant, "http://Pinned.Test:" + PORT + "/hooks", ApprovalNotice.TYPE_REQUESTED);

    publish(notice(tenant, ApprovalNotice.TYPE_REQUESTED));

    JsonNode delivery = awaitStatus(tenant, webhook, "succeeded");
    assertThat(delivery.path("attempts").findValuesAsText("statusCode")).containsExactly("204");
    assertThat(loopbackReceived).containsExactly("pinned.test:" + PORT + " /hooks");
    assertThat(secondLoopbackReceived).isEmpty();
    assertThat(dns.lookups("pinned.test")).isEqualTo(2);
  }

  @Test
  void aNameRebindingToLoopbackAfterSubscribingNeverReachesLoopback() {
    String tenant = newTenant();
    // Public when subscribed and at the first attempt (which connects there and fails), loopback
    // from then on (every later attempt is refused before connecting).
    dns.script("rebind.example", PUBLIC_NOWHERE, PUBLIC_NOWHERE, "127.0.0.1");
    JsonNode webhook =
        subscribe(
            tenant, "http://rebind.example:" + PORT + "/hooks", ApprovalNotice.TYPE_REQUESTED);

    publish(notice(tenant, ApprovalNotice.TYPE_REQUESTED));

    JsonNode failed = awaitStatus(tenant, webhook, "failed");
    assertThat(failed.path("attempts").findValuesAsText("error"))
        .hasSize(4)
        .allSatisfy(
            error -> assertThat(error).doesNotContain("127.0.0.1").doesNotContain(PUBLIC_NOWHERE))
        .filteredOn(error -> error.contains("resolves to a refused address: it is a loopback"))
        .hasSize(3);
    assertThat(loopbackReceived).isEmpty();
    assertThat(secondLoopbackReceived).isEmpty();
  }

  @Test
  void aRedirectIsAFailedAttemptAndIsNotFollowed() {
    String tenant = newTenant();
    loopbackStatus = 307;
    dns.script("hop.test", "127.0.0.1");
    JsonNode webhook =
        subscribe(tenant, "http://hop.test:" + PORT + "/hooks", ApprovalNotice.TYPE_REQUESTED);

    publish(notice(tenant, ApprovalNotice.TYPE_REQUESTED));

    JsonNode failed = awaitStatus(tenant, webhook, "failed");
    assertThat(failed.path("attempts").findValuesAsText("statusCode"))
        .containsExactly("307", "307", "307", "307");
    assertThat(loopbackReceived).hasSize(4);
    assertThat(secondLoopbackReceived).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.1", "0x7f.1", "2130706433", "017700000001", "127.0.0.1."})
  void shorthandLoopbackSpellingsAreRefusedAsLoopbackWhenSubscribing(String host) {
    String tenant = newTenant();

    Reply reply =
        api()
            .post(
                "/v1/webhooks",
                admin(tenant),
                subscriptionBody(
                    "http://" + host + ":" + PORT + "/hooks", ApprovalNotice.TYPE_REQUESTED));

    assertProblem(reply, 422, "validation-failed");
    assertThat(reply.errorPointers()).containsExactly("/url");
    assertThat(reply.body().path("errors").get(0).path("message").asText())
        .contains("127.0.0.1 is a loopback address");
  }

  private JsonNode awaitStatus(String tenant, JsonNode webhook, String status) {
    String id = webhook.path("id").asText();
    await()
        .atMost(DEADLINE)
        .until(() -> deliveries(tenant, id).get(0).path("status").asText().equals(status));
    return deliveries(tenant, id).get(0);
  }

  /** A receiver recording "Host path" of each request; the first one redirects to the second. */
  private HttpServer receiver(String address, Queue<String> received, boolean first) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(address, PORT), 0);
      server.createContext(
          "/",
          exchange -> {
            received.add(
                exchange.getRequestHeaders().getFirst("Host")
                    + " "
                    + exchange.getRequestURI().getRawPath());
            exchange.getRequestBody().readAllBytes();
            int status = first ? loopbackStatus : 204;
            if (status / 100 == 3) {
              exchange
                  .getResponseHeaders()
                  .set("Location", "http://127.0.0.2:" + PORT + "/internal");
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
          });
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
