package dev.agentplane.execution.tool.http;

import static dev.agentplane.execution.tool.Invocations.RUN_ID;
import static dev.agentplane.execution.tool.Invocations.TENANT;
import static dev.agentplane.execution.tool.Invocations.invocation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.agentplane.execution.outbound.OutboundTargets;
import dev.agentplane.execution.registry.TenantSecrets;
import dev.agentplane.execution.tool.ToolFailure;
import dev.agentplane.execution.tool.ToolResult;
import dev.agentplane.kit.outbound.OutboundHostGuard;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTP tools against a real server on loopback, which records what it received. */
class HttpToolIT {

  private static final String TOKEN = "tok-9f2c61d0e7b84a55";
  private static final TenantSecrets SECRETS =
      (tenant, name) ->
          TENANT.equals(tenant)
              ? Optional.ofNullable(Map.of("API_TOKEN", TOKEN).get(name))
              : Optional.empty();

  /** One request as the server saw it. */
  private record Received(
      String method,
      String rawPath,
      String rawQuery,
      Map<String, List<String>> headers,
      String body) {
    String header(String name) {
      List<String> values = headers.get(name);
      return values == null ? null : String.join(",", values);
    }
  }

  private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
  private final CountDownLatch testOver = new CountDownLatch(1);
  private volatile HttpHandler answer = exchange -> respond(exchange, 200, "ok");
  private HttpServer server;
  private HttpToolExecutor executor;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            received.add(
                new Received(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(),
                    caseInsensitive(exchange.getRequestHeaders()),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            answer.handle(exchange);
          }
        });
    server.start();
    executor = executorAllowing(List.of("127.0.0.1"));
  }

  @AfterEach
  void stopServer() {
    testOver.countDown();
    executor.close();
    server.stop(0);
  }

  // HTTP header names are case-insensitive; the server normalises them to "Idempotency-key".
  private static Map<String, List<String>> caseInsensitive(Map<String, List<String>> headers) {
    Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    copy.putAll(headers);
    return copy;
  }

  private static HttpToolExecutor executorAllowing(List<String> hosts) {
    return new HttpToolExecutor(
        SECRETS,
        new OutboundTargets(hosts, OutboundHostGuard.HostResolver.SYSTEM),
        new HttpToolSettings(1_048_576, Duration.ofSeconds(5)));
  }

  private String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      exchange.getResponseBody().write(bytes);
    }
  }

  private static ObjectNode spec(String method, String url) {
    ObjectNode spec = JsonNodeFactory.instance.objectNode().put("type", "http");
    spec.putObject("http").put("method", method).put("url", url);
    return spec;
  }

  private static ObjectNode arguments() {
    return JsonNodeFactory.instance.objectNode();
  }

  private ToolResult call(JsonNode spec, JsonNode arguments) throws InterruptedException {
    return executor.call(invocation(spec, arguments));
  }

  private ToolFailure failureOf(JsonNode spec, JsonNode arguments) {
    return catchThrowableOfType(ToolFailure.class, () -> call(spec, arguments));
  }

  @Test
  void sendsTheFilledRequestWithTheCallsIdempotencyKey() throws InterruptedException {
    answer = exchange -> respond(exchange, 200, "Sunny, 31°C");
    ObjectNode spec = spec("POST", base() + "/v1/cities/{city}/forecast?q={query}&days={days}");
    spec.with("http")
        .put("body", "{\"city\": \"{city}\", \"days\": {days}, \"note\": \"for {city}\"}")
        .putObject("headers")
        .put("Authorization", "Bearer {{secret:API_TOKEN}}")
        .put("X-Locale", "{locale}");
    ObjectNode arguments =
        arguments()
            .put("city", "São Paulo/Centro")
            .put("query", "rain & wind=yes?#")
            .put("days", 3)
            .put("locale", "pt-BR");

    ToolResult result = call(spec, arguments);

    assertThat(result).isEqualTo(ToolResult.of("Sunny, 31°C"));
    assertThat(received).hasSize(1);
    Received request = received.peek();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.rawPath()).isEqualTo("/v1/cities/S%C3%A3o%20Paulo%2FCentro/forecast");
    assertThat(request.rawQuery()).isEqualTo("q=rain%20%26%20wind%3Dyes%3F%23&days=3");
    assertThat(request.header("Idempotency-Key")).isEqualTo(RUN_ID + ":call-1");
    assertThat(request.header("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(request.header("X-Locale")).isEqualTo("pt-BR");
    assertThat(request.header("Content-Type")).isEqualTo("application/json");
    assertThat(request.body())
        .isEqualTo(
            "{\"city\": \"São Paulo/Centro\", \"days\": 3, \"note\": \"for São Paulo/Centro\"}");
  }

  @Test
  void strikesTheSecretFromAnAnswerThatEchoesIt() throws InterruptedException {
    answer =
        exchange ->
            respond(exchange, 200, "you sent " + exchange.getRequestHeaders().getFirst("X-Key"));
    ObjectNode spec = spec("GET", base() + "/echo");
    spec.with("http").putObject("headers").put("X-Key", "{{secret:API_TOKEN}}");

    ToolResult result = call(spec, arguments());

    assertThat(result.content()).isEqualTo("you sent [secret API_TOKEN]").doesNotContain(TOKEN);
  }

  @Test
  void aNonSuccessIsAnHttpErrorShowingTheStatusAndABodyPrefix() {
    String details = "quota exceeded for key " + TOKEN + "; " + "x".repeat(5_000);
    answer = exchange -> respond(exchange, 503, details);
    ObjectNode spec = spec("GET", base() + "/busy");
    spec.with("http").putObject("headers").put("X-Key", "{{secret:API_TOKEN}}");

    ToolFailure failure = failureOf(spec, arguments());

    assertThat(failure.code()).isEqualTo("tool_http_error");
    assertThat(failure.getMessage())
        .startsWith("HTTP 503 from " + base() + ": quota exceeded for key [secret API_TOKEN]; xxx")
        .endsWith("...")
        .hasSizeLessThan(600)
        .doesNotContain(TOKEN);
  }

  @Test
  void aRedirectIsNotFollowed() {
    answer =
        exchange -> {
          exchange.getResponseHeaders().set("Location", "http://169.254.169.254/latest/meta-data");
          exchange.sendResponseHeaders(302, -1);
        };

    ToolFailure failure = failureOf(spec("GET", base() + "/moved"), arguments());

    assertThat(failure.code()).isEqualTo("tool_http_error");
    assertThat(failure.getMessage())
        .contains("HTTP 302", "redirects to http://169.254.169.254/latest/meta-data");
    assertThat(received).hasSize(1);
  }

  @Test
  void aMissingSecretFailsTheCallBeforeAnythingIsSent() {
    ObjectNode spec = spec("GET", base() + "/x");
    spec.with("http").putObject("headers").put("Authorization", "Bearer {{secret:GONE_TOKEN}}");

    ToolFailure failure = failureOf(spec, arguments());

    assertThat(failure.code()).isEqualTo("tool_secret_missing");
    assertThat(failure.getMessage()).contains("GONE_TOKEN");
    assertThat(received).isEmpty();
  }

  @Test
  void cutsALongAnswerAtTheCapAndSaysSo() throws InterruptedException {
    byte[] threeMebibytes = new byte[3 * 1_048_576];
    Arrays.fill(threeMebibytes, (byte) 'a');
    answer =
        exchange -> {
          exchange.sendResponseHeaders(200, threeMebibytes.length);
          try {
            exchange.getResponseBody().write(threeMebibytes);
          } catch (IOException expected) {
            // the client hangs up once it has read its fill
          }
        };

    ToolResult result = call(spec("GET", base() + "/big"), arguments());

    assertThat(result.truncated()).isTrue();
    String marker = "\n[truncated: response exceeded 1048576 bytes]";
    assertThat(result.content()).endsWith(marker).hasSize(1_048_576 + marker.length());
  }

  @Test
  void anAnswerLaterThanTheToolsTimeoutIsATimeout() throws InterruptedException {
    answer =
        exchange -> {
          try {
            testOver.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    ObjectNode spec = spec("GET", base() + "/slow");
    spec.with("http").put("timeoutMs", 300);

    long started = System.nanoTime();
    ToolFailure failure = failureOf(spec, arguments());

    assertThat(failure.code()).isEqualTo("tool_timeout");
    assertThat(failure.getMessage()).contains("300 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aPrivateHostThatIsNotAllowlistedIsBlockedWithoutAConnection() {
    try (HttpToolExecutor guarded = executorAllowing(List.of())) {
      for (String url :
          List.of(
              "http://localhost:" + server.getAddress().getPort() + "/admin",
              base() + "/admin",
              "http://169.254.169.254/latest/meta-data/")) {
        ToolFailure failure =
            catchThrowableOfType(
                ToolFailure.class, () -> guarded.call(invocation(spec("GET", url), arguments())));
        assertThat(failure.code()).as(url).isEqualTo("tool_host_blocked");
      }
    }
    assertThat(received).isEmpty();
  }

  @Test
  void anInterruptAbortsTheExchangePromptly() throws InterruptedException {
    CountDownLatch streaming = new CountDownLatch(1);
    CountDownLatch exchangeClosed = new CountDownLatch(1);
    answer =
        exchange -> {
          exchange.sendResponseHeaders(200, 0);
          OutputStream body = exchange.getResponseBody();
          try {
            while (true) {
              body.write('.');
              body.flush();
              streaming.countDown();
              if (testOver.await(20, TimeUnit.MILLISECONDS)) {
                return;
              }
            }
          } catch (IOException closedByTheClient) {
            exchangeClosed.countDown();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    CountDownLatch callEnded = new CountDownLatch(1);
    Thread caller =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    call(spec("GET", base() + "/stream"), arguments());
                  } catch (Throwable t) {
                    outcome.set(t);
                  } finally {
                    callEnded.countDown();
                  }
                });
    assertThat(streaming.await(10, TimeUnit.SECONDS)).isTrue();

    long interruptedAt = System.nanoTime();
    caller.interrupt();

    assertThat(callEnded.await(5, TimeUnit.SECONDS)).isTrue();
    // Far short of the call's 30 s timeout, with room for a stall of a loaded machine.
    assertThat(Duration.ofNanos(System.nanoTime() - interruptedAt))
        .isLessThan(Duration.ofSeconds(3));
    assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
    assertThat(exchangeClosed.await(5, TimeUnit.SECONDS)).isTrue();
  }
}
