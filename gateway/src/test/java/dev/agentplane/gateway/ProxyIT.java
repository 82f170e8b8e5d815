package dev.agentplane.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentplane.testkit.TestPostgres;
import dev.agentplane.testkit.TestTokens;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Routing by prefix, what crosses the gateway in headers, streamed bodies and Server-Sent Events,
 * against three real upstream servers on loopback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyIT {

  private final TestTokens tokens = TestTokens.standard();
  private StubUpstream registry;
  private StubUpstream execution;
  private StubUpstream approval;
  private RunningGateway gateway;

  @BeforeAll
  void start() {
    registry = StubUpstream.start("registry");
    execution = StubUpstream.start("execution");
    approval = StubUpstream.start("approval");
    gateway =
        RunningGateway.start(
            RunningGateway.properties(
                TestPostgres.get().createDatabase("ProxyIT"),
                registry.url(),
                execution.url(),
                approval.url()));
  }

  @AfterAll
  void stop() {
    gateway.close();
    registry.close();
    execution.close();
    approval.close();
  }

  @Test
  void eachPrefixReachesTheServiceThatOwnsIt() {
    String token = tokens.user(tenant(), "alice", "admin");
    List<String[]> table =
        List.of(
            new String[] {"/v1/agents/a1", "registry"},
            new String[] {"/v1/tools", "registry"},
            new String[] {"/v1/secrets/s1", "registry"},
            new String[] {"/v1/runs/r1", "execution"},
            new String[] {"/v1/approvals/p1", "approval"},
            new String[] {"/v1/webhooks/w1", "approval"});
    for (String[] row : table) {
      HttpResponse<String> response = gateway.get(row[0] + "?page=2", token);

      assertThat(response.statusCode()).as(row[0]).isEqualTo(200);
      assertThat(response.body()).as(row[0]).contains("\"upstream\":\"" + row[1] + "\"");
    }
    assertThat(registry.onlyRequestTo("/v1/agents/a1").query()).isEqualTo("page=2");
  }

  @Test
  void aPathNoServiceOwnsIsNotFoundForAnAuthenticatedCallerAndUnauthorizedForAnonymous() {
    assertThat(gateway.get("/v1/agentsX/1", tokens.user(tenant(), "alice", "admin")).statusCode())
        .isEqualTo(404);
    assertThat(gateway.get("/v1/nothing", null).statusCode()).isEqualTo(401);
    assertThat(gateway.get("/v1/agents/a1", null).statusCode()).isEqualTo(401);
  }

  @Test
  void signedInboundMessagesReachTheApprovalServiceWithoutATokenAndStillLoseSpoofedHeaders() {
    HttpResponse<String> response =
        gateway.send(
            gateway
                .request("/v1/webhooks/inbound/acme/decisions", null)
                .header("webhook-id", "msg_1")
                .header("webhook-timestamp", "1700000000")
                .header("webhook-signature", "v1,c2lnbmF0dXJl")
                .header("X-Tenant-Id", "someone-elses-tenant")
                .POST(HttpRequest.BodyPublishers.ofString("{\"decision\":\"approve\"}")));

    assertThat(response.statusCode()).isEqualTo(200);
    StubUpstream.Seen seen = approval.onlyRequestTo("/v1/webhooks/inbound/acme/decisions");
    assertThat(seen.header("webhook-id")).isEqualTo("msg_1");
    assertThat(seen.header("webhook-signature")).isEqualTo("v1,c2lnbmF0dXJl");
    assertThat(seen.headers()).doesNotContainKeys("x-tenant-id", "authorization");
    assertThat(new String(seen.body(), StandardCharsets.UTF_8))
        .isEqualTo("{\"decision\":\"approve\"}");
  }

  @Test
  void onlyTheInboundPrefixWithATenantIsOpenWithoutAToken() {
    assertThat(gateway.get("/v1/webhooks/w1", null).statusCode()).isEqualTo(401);
    assertThat(gateway.get("/v1/webhooks/inbound", null).statusCode()).isEqualTo(401);
    assertThat(gateway.get("/v1/webhooks/inbound/", null).statusCode()).isEqualTo(401);
    assertThat(gateway.get("/v1/approvals/inbound/acme", null).statusCode()).isEqualTo(401);
    assertThat(gateway.get("/v1/webhooks/inbound/acme/links/tok", null).statusCode())
        .isEqualTo(200);
  }

  @Test
  void spoofedInternalHeadersNeverReachAServiceWhileTokenRequestIdAndTraceDo() {
    String token = tokens.user(tenant(), "alice", "viewer");
    String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    HttpResponse<String> response =
        gateway.send(
            gateway
                .request("/v1/agents/spoofed", token)
                .header("X-Tenant-Id", "someone-elses-tenant")
                .header("X-Forwarded-User", "root")
                .header("X-Forwarded-For", "10.6.6.6")
                .header("X-User-Roles", "admin")
                .header("X-Agentplane-Principal", "admin")
                .header("Forwarded", "for=10.6.6.6")
                .header("X-Request-Id", "client-chosen-id-42")
                .header("traceparent", traceparent)
                .GET());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Request-Id")).hasValue("client-chosen-id-42");
    StubUpstream.Seen seen = registry.onlyRequestTo("/v1/agents/spoofed");
    assertThat(seen.headers())
        .doesNotContainKeys(
            "x-tenant-id",
            "x-forwarded-user",
            "x-user-roles",
            "x-agentplane-principal",
            "forwarded");
    assertThat(seen.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
    assertThat(seen.header("Authorization")).isEqualTo("Bearer " + token);
    assertThat(seen.header("X-Request-Id")).isEqualTo("client-chosen-id-42");
    assertThat(seen.header("traceparent")).isEqualTo(traceparent);
  }

  @Test
  void aMalformedRequestIdIsReplacedAndATraceIsStartedBeforeForwarding() {
    HttpResponse<String> response =
        gateway.send(
            gateway
                .request("/v1/runs/fresh-ids", tokens.user(tenant(), "alice", "viewer"))
                .header("X-Request-Id", "no spaces; allowed")
                .GET());

    String returned = response.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(returned).isNotEqualTo("no spaces; allowed");
    StubUpstream.Seen seen = execution.onlyRequestTo("/v1/runs/fresh-ids");
    assertThat(seen.header("X-Request-Id")).isEqualTo(returned);
    assertThat(seen.header("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
  }

  @Test
  void hopByHopHeadersAndThoseNamedInConnectionAreDroppedBothWays() throws Exception {
    String token = tokens.user(tenant(), "alice", "viewer");
    try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /v1/agents/hop HTTP/1.1\r\n"
                  + "Host: 127.0.0.1\r\n"
                  + "Authorization: Bearer "
                  + token
                  + "\r\n"
                  + "Connection: keep-alive, X-Drop-Me\r\n"
                  + "Keep-Alive: timeout=5\r\n"
                  + "TE: trailers\r\n"
                  + "Proxy-Connection: keep-alive\r\n"
                  + "X-Drop-Me: secret\r\n"
                  + "X-Keep-Me: fine\r\n"
                  + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      List<String> responseHead = readHead(socket.getInputStream());
      assertThat(responseHead.getFirst()).startsWith("HTTP/1.1 200");
      assertThat(responseHead)
          .noneMatch(line -> line.toLowerCase().startsWith("x-upstream-secret"));
    }
    StubUpstream.Seen seen = registry.onlyRequestTo("/v1/agents/hop");
    assertThat(seen.headers())
        .doesNotContainKeys("x-drop-me", "keep-alive", "te", "proxy-connection");
    assertThat(seen.header("X-Keep-Me")).isEqualTo("fine");
  }

  @Test
  void requestBodiesReachTheServiceWhole() {
    byte[] body = new byte[256 * 1024];
    java.util.Arrays.fill(body, (byte) 'a');
    HttpResponse<String> response =
        gateway.send(
            gateway
                .request("/v1/runs", tokens.user(tenant(), "alice", "operator"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"bytes\":" + body.length);
    assertThat(execution.requestsTo("/v1/runs"))
        .anySatisfy(seen -> assertThat(seen.body()).hasSize(body.length));
  }

  @Test
  void aBodyOverTheCapIsRefusedWith413BeforeAnyServiceSeesIt() {
    byte[] body = new byte[1024 * 1024 + 1];
    HttpResponse<String> response =
        gateway.send(
            gateway
                .request("/v1/agents/too-big", tokens.user(tenant(), "alice", "builder"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(registry.requestsTo("/v1/agents/too-big")).isEmpty();
  }

  @Test
  void aChunkedBodyUnderTheCapReachesTheServiceWhole() throws Exception {
    List<String> responseHead =
        postChunked("/v1/runs/chunked", tokens.user(tenant(), "alice", "operator"), 4);

    assertThat(responseHead.getFirst()).startsWith("HTTP/1.1 200");
    assertThat(execution.onlyRequestTo("/v1/runs/chunked").body()).hasSize(4 * CHUNK);
  }

  @Test
  void aChunkedBodyOverTheCapIsRefusedWith413BeforeAnyServiceSeesIt() throws Exception {
    // 1 MiB + 64 KiB, with no Content-Length to check up front.
    List<String> responseHead =
        postChunked("/v1/agents/chunked-too-big", tokens.user(tenant(), "alice", "builder"), 17);

    assertThat(responseHead.getFirst()).startsWith("HTTP/1.1 413");
    assertThat(responseHead)
        .anyMatch(
            line ->
                line.toLowerCase(java.util.Locale.ROOT)
                    .startsWith("content-type: application/problem+json"));
    assertThat(registry.anyRequestArrivedAt("/v1/agents/chunked-too-big")).isFalse();
  }

  @Test
  void serverSentEventsPassThroughOneByOneAsTheyHappen() throws Exception {
    HttpRequest request =
        gateway
            .request("/v1/runs/r1/events", tokens.user(tenant(), "alice", "viewer"))
            .header("Accept", "text/event-stream")
            .GET()
            .build();
    long sent = System.nanoTime();
    HttpResponse<InputStream> response =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));

    List<String> data = new ArrayList<>();
    List<Long> arrivedAtMillis = new ArrayList<>();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("data:")) {
          data.add(line.substring(5).trim());
          arrivedAtMillis.add(Duration.ofNanos(System.nanoTime() - sent).toMillis());
        }
      }
    }

    List<String> expected = new ArrayList<>();
    for (int n = 1; n <= StubUpstream.EVENTS; n++) {
      expected.add("{\"n\":" + n + "}");
    }
    assertThat(data).containsExactlyElementsOf(expected);

    // A buffered stream would arrive whole, all at once and after the upstream sent its last event.
    // The bounds come from the upstream's schedule, not from how fast a loaded machine proxies:
    // half the spread of its sending is slack.
    long lastSentMillis = StubUpstream.EVENT_INTERVAL.multipliedBy(StubUpstream.EVENTS).toMillis();
    long sendingMillis =
        StubUpstream.EVENT_INTERVAL.multipliedBy(StubUpstream.EVENTS - 1).toMillis();
    assertThat(arrivedAtMillis.getFirst())
        .as("the first event arrived before the upstream sent its last")
        .isLessThan(lastSentMillis);
    assertThat(arrivedAtMillis.getLast() - arrivedAtMillis.getFirst())
        .as("the events arrived spread out as the upstream sent them, not together")
        .isGreaterThanOrEqualTo(sendingMillis / 2);
  }

  private static final int CHUNK = 64 * 1024;

  /** POSTs {@code chunks} chunks of 64 KiB with {@code Transfer-Encoding: chunked}. */
  private List<String> postChunked(String path, String token, int chunks) throws Exception {
    byte[] chunk = new byte[CHUNK];
    java.util.Arrays.fill(chunk, (byte) 'a');
    try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
      OutputStream out = socket.getOutputStream();
      // The gateway may answer (and stop reading) before the whole body is written: the writer
      // runs beside the reader and gives up quietly when the connection is closed under it.
      Thread writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      out.write(
                          ("POST "
                                  + path
                                  + " HTTP/1.1\r\n"
                                  + "Host: 127.0.0.1\r\n"
                                  + "Authorization: Bearer "
                                  + token
                                  + "\r\n"
                                  + "Content-Type: application/json\r\n"
                                  + "Transfer-Encoding: chunked\r\n"
                                  + "\r\n")
                              .getBytes(StandardCharsets.US_ASCII));
                      for (int n = 0; n < chunks; n++) {
                        out.write(
                            (Integer.toHexString(CHUNK) + "\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.write(chunk);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                      }
                      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                      out.flush();
                    } catch (java.io.IOException closedByTheGateway) {
                      // the gateway refused early and closed the connection
                    }
                  });
      socket.setSoTimeout(10_000);
      List<String> head = readHead(socket.getInputStream());
      writer.join(Duration.ofSeconds(10));
      return head;
    }
  }

  private static List<String> readHead(InputStream in) throws Exception {
    BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
    List<String> head = new ArrayList<>();
    String line;
    while ((line = reader.readLine()) != null && !line.isEmpty()) {
      head.add(line);
    }
    return head;
  }

  private static String tenant() {
    return "tenant-" + UUID.randomUUID();
  }
}
