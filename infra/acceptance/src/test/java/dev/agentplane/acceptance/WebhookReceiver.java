package dev.agentplane.acceptance;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentplane.testkit.ServiceApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A tenant's webhook endpoint on loopback: answers 204 to every POST and keeps each delivery as it
 * arrived, headers and raw body, so a test checks the signature the way the tenant's code would.
 */
public final class WebhookReceiver implements AutoCloseable {

  /** One POST as it arrived. */
  public record Delivery(String id, String timestamp, String signature, String body) {

    public JsonNode json() {
      try {
        return ServiceApi.JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The {@code type} of the notice, e.g. {@code approval.requested}. */
    public String type() {
      return json().path("type").asText();
    }

    /** Whether the signature header holds this secret's signature of the delivery. */
    public boolean signedWith(String secret) {
      return WebhookSignature.verifies(secret, id, timestamp, body, signature);
    }
  }

  private final HttpServer http;
  private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();

  private WebhookReceiver(HttpServer http) {
    this.http = http;
  }

  /** Listens on 127.0.0.1 at a free port. */
  public static WebhookReceiver start() {
    try {
      HttpServer http =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      WebhookReceiver receiver = new WebhookReceiver(http);
      http.setExecutor(receiver.handlers);
      http.createContext("/", receiver::receive);
      http.start();
      return receiver;
    } catch (IOException e) {
      throw new UncheckedIOException("The webhook receiver did not start", e);
    }
  }

  /** {@code http://127.0.0.1:<port>/hooks}. */
  public String url() {
    return "http://127.0.0.1:" + http.getAddress().getPort() + "/hooks";
  }

  /** Every delivery so far, in arrival order. */
  /** This endpoint's delivery of {@code type} about {@code runId}, once it arrived. */
  public Delivery awaitDelivery(String type, String runId, Duration within) {
    return await(type + " for run " + runId + " at the tenant's webhook endpoint")
        .atMost(within)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                deliveries().stream()
                    .filter(delivery -> delivery.type().equals(type))
                    .filter(delivery -> delivery.body().contains(runId))
                    .findFirst(),
            found -> found.isPresent())
        .orElseThrow();
  }

  public List<Delivery> deliveries() {
    return List.copyOf(deliveries);
  }

  private void receive(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      deliveries.add(
          new Delivery(
              exchange.getRequestHeaders().getFirst("webhook-id"),
              exchange.getRequestHeaders().getFirst("webhook-timestamp"),
              exchange.getRequestHeaders().getFirst("webhook-signature"),
              body));
      exchange.sendResponseHeaders(204, -1);
    }
  }

  @Override
  public void close() {
    http.stop(0);
    handlers.shutdownNow();
  }
}
