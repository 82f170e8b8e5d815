package dev.agentplane.execution.outbound;

import static dev.agentplane.execution.tool.Invocations.invocation;
import static dev.agentplane.execution.tool.Invocations.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.agentplane.execution.registry.TenantSecrets;
import dev.agentplane.execution.support.TestMcpServer;
import dev.agentplane.execution.tool.ToolFailure;
import dev.agentplane.execution.tool.ToolResult;
import dev.agentplane.execution.tool.http.HttpToolExecutor;
import dev.agentplane.execution.tool.http.HttpToolSettings;
import dev.agentplane.execution.tool.mcp.McpToolExecutor;
import dev.agentplane.execution.tool.mcp.McpToolSettings;
import dev.agentplane.kit.outbound.OutboundHostGuard.HostResolver;
import dev.agentplane.kit.outbound.OutboundPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF rule at connect time, for HTTP and MCP tools, against real servers on loopback: a name
 * is resolved once per call and the connection goes to the address judged then, so an answer that
 * changes between the check and the connection (DNS rebinding) never reaches loopback; redirects
 * are not followed; every spelling of a loopback address is refused as loopback. Each test counts
 * what the loopback servers received.
 */
class SsrfAtConnectIT {

  private static final TenantSecrets NO_SECRETS = (tenant, name) -> Optional.empty();

  /** TEST-NET-3 (RFC 5737): public to the rule, routed nowhere, so a connection to it fails. */
  private static final String PUBLIC_NOWHERE = "203.0.113.10";

  private final Queue<String> loopbackReceived = new ConcurrentLinkedQueue<>();
  private final Queue<String> secondLoopbackReceived = new ConcurrentLinkedQueue<>();
  private HttpServer loopback;
  private HttpServer secondLoopback;
  private int port;

  @BeforeEach
  void startLoopbackServers() throws IOException {
    loopback = recording(new InetSocketAddress("127.0.0.1", 0), loopbackReceived);
    port = loopback.getAddress().getPort();
    // Same port, another loopback address: where a rebound answer would lead.
    secondLoopback = recording(new InetSocketAddress("127.0.0.2", port), secondLoopbackReceived);
  }

  @AfterEach
  void stopServers() {
    loopback.stop(0);
    secondLoopback.stop(0);
  }

  @Test
  void aNameRebindingToLoopbackAfterTheCheckNeverReachesLoopback() {
    CountingResolver rebinding = new CountingResolver(PUBLIC_NOWHERE, "127.0.0.1");
    try (HttpToolExecutor tools =
        httpTools(OutboundPolicy.of(List.of(port), List.of(), rebinding))) {
      String url = "http://rebind.example:" + port + "/admin";

      ToolFailure first = failure(tools, url);
      // The first answer was judged and connected to; the loopback answer was never looked up.
      assertThat(first.code()).isIn("tool_connection_failed", "tool_timeout");
      assertThat(first.getMessage())
          .contains("http://rebind.example:" + port)
          .doesNotContain(PUBLIC_NOWHERE);
      assertThat(rebinding.lookups()).hasValue(1);

      // The next call looks again and judges the new answer: refused as loopback, never sent.
      ToolFailure second = failure(tools, url);
      assertThat(second.code()).isEqualTo("tool_host_blocked");
      assertThat(second.getMessage())
          .contains("'rebind.example' resolves to a refused address: it is a loopback address")
          .doesNotContain("127.0.0.1");
    }
    assertThat(loopbackReceived).isEmpty();
  }

  @Test
  void theConnectionGoesToTheFirstAnswerEvenWhenDnsAnswersDifferentlyAfterwards()
      throws InterruptedException {
    // Allowlisted, so both answers would pass: only the address the call connects to differs.
    CountingResolver rebinding = new CountingResolver("127.0.0.1", "127.0.0.2");
    try (HttpToolExecutor tools =
        httpTools(OutboundPolicy.of(List.of(), List.of("tool.test"), rebinding))) {
      ToolResult result =
          tools.call(invocation(httpSpec("http://Tool.Test:" + port + "/x"), json("{}")));

      assertThat(result).isEqualTo(ToolResult.of("ok"));
    }
    assertThat(rebinding.lookups()).hasValue(1);
    assertThat(loopbackReceived).containsExactly("tool.test:" + port + " /x");
    assertThat(secondLoopbackReceived).isEmpty();
  }

  @Test
  void aRedirectToLoopbackIsReportedNotFollowed() throws IOException {
    HttpServer redirecting = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    redirecting.createContext(
        "/",
        exchange -> {
          exchange.getResponseHeaders().set("Location", "http://127.0.0.1:" + port + "/admin");
          exchange.sendResponseHeaders(302, -1);
          exchange.close();
        });
    redirecting.start();
    CountingResolver resolver = new CountingResolver("127.0.0.1");
    try (HttpToolExecutor tools =
        httpTools(OutboundPolicy.of(List.of(), List.of("hop.test"), resolver))) {
      ToolFailure failure =
          failure(tools, "http://hop.test:" + redirecting.getAddress().getPort() + "/");

      assertThat(failure.code()).isEqualTo("tool_http_error");
      assertThat(failure.getMessage())
          .startsWith("HTTP 302 from http://hop.test:")
          .contains("which is not followed");
    } finally {
      redirecting.stop(0);
    }
    assertThat(loopbackReceived).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"2130706433", "127.1", "0x7f.1", "017700000001", "0x7f000001", "127.0.0.1."})
  void everySpellingOfLoopbackIsRefusedAsLoopback(String host) {
    try (HttpToolExecutor tools =
        httpTools(OutboundPolicy.of(List.of(port), List.of(), new CountingResolver()))) {
      ToolFailure failure = failure(tools, "http://" + host + ":" + port + "/admin");

      assertThat(failure.code()).isEqualTo("tool_host_blocked");
      assertThat(failure.getMessage()).contains("127.0.0.1 is a loopback address");
    }
    assertThat(loopbackReceived).isEmpty();
  }

  @Test
  void aPortOutsideTheConfiguredOnesIsRefused() {
    CountingResolver resolver = new CountingResolver(PUBLIC_NOWHERE);
    try (HttpToolExecutor tools = httpTools(OutboundPolicy.of(List.of(), List.of(), resolver))) {
      ToolFailure failure = failure(tools, "http://redis.example:6379/");

      assertThat(failure.code()).isEqualTo("tool_host_blocked");
      assertThat(failure.getMessage()).contains("port 6379", "[80, 443]");
    }
    assertThat(resolver.lookups()).hasValue(0);
  }

  @Test
  void anMcpSessionTalksToTheAddressJudgedForAllItsRequests() throws Exception {
    try (TestMcpServer mcp = mcpServer()) {
      String url = mcp.url().replace("127.0.0.1", "mcp.test");
      int mcpPort = Integer.parseInt(url.replaceAll(".*:(\\d+)/.*", "$1"));
      // Something listening at the rebound address too, so that a second lookup would not fail.
      HttpServer decoy =
          recording(new InetSocketAddress("127.0.0.2", mcpPort), secondLoopbackReceived);
      CountingResolver rebinding = new CountingResolver("127.0.0.1", "127.0.0.2");
      try (McpToolExecutor tools =
          mcpTools(OutboundPolicy.of(List.of(), List.of("mcp.test"), rebinding))) {
        ToolResult result = tools.call(invocation(mcpSpec(url), json("{}")));

        assertThat(result).isEqualTo(ToolResult.of("pong"));
      } finally {
        decoy.stop(0);
      }
      assertThat(rebinding.lookups()).hasValue(1);
      assertThat(mcp.calls()).hasSize(1);
      assertThat(secondLoopbackReceived).isEmpty();
    }
  }

  @Test
  void anMcpServerWhoseNameRebindsToLoopbackIsNeverCalled() throws Exception {
    try (TestMcpServer mcp = mcpServer()) {
      String url = mcp.url().replace("127.0.0.1", "mcp.example");
      int mcpPort = Integer.parseInt(url.replaceAll(".*:(\\d+)/.*", "$1"));
      CountingResolver rebinding = new CountingResolver(PUBLIC_NOWHERE, "127.0.0.1");
      try (McpToolExecutor tools =
          mcpTools(OutboundPolicy.of(List.of(mcpPort), List.of(), rebinding))) {
        ToolFailure first =
            catchThrowableOfType(
                ToolFailure.class, () -> tools.call(invocation(mcpSpec(url), json("{}"))));
        ToolFailure second =
            catchThrowableOfType(
                ToolFailure.class, () -> tools.call(invocation(mcpSpec(url), json("{}"))));

        assertThat(first.code()).isIn("tool_connection_failed", "tool_timeout", "tool_error");
        assertThat(first.getMessage()).doesNotContain(PUBLIC_NOWHERE);
        assertThat(second.code()).isEqualTo("tool_host_blocked");
        assertThat(second.getMessage()).contains("loopback").doesNotContain("127.0.0.1");
      }
      assertThat(mcp.authorizations()).isEmpty();
      assertThat(mcp.calls()).isEmpty();
    }
  }

  /** Answers each lookup with the next address given, repeating the last. */
  private static final class CountingResolver implements HostResolver {
    private final List<String> answers;
    private final AtomicInteger lookups = new AtomicInteger();

    CountingResolver(String... answers) {
      this.answers = List.of(answers);
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
      int lookup = lookups.getAndIncrement();
      if (answers.isEmpty()) {
        throw new AssertionError("an IP literal was looked up: " + host);
      }
      return new InetAddress[] {
        InetAddress.getByName(answers.get(Math.min(lookup, answers.size() - 1)))
      };
    }

    AtomicInteger lookups() {
      return lookups;
    }
  }

  private static HttpServer recording(InetSocketAddress address, Queue<String> received)
      throws IOException {
    HttpServer server = HttpServer.create(address, 0);
    server.createContext(
        "/",
        exchange -> {
          received.add(
              exchange.getRequestHeaders().getFirst("Host") + " " + exchange.getRequestURI());
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    return server;
  }

  private static TestMcpServer mcpServer() throws Exception {
    return TestMcpServer.builder()
        .tool(
            TestMcpServer.tool("ping", "Answers pong", "{\"type\":\"object\"}"),
            (exchange, request) -> TestMcpServer.text("pong"))
        .start();
  }

  private static HttpToolExecutor httpTools(OutboundPolicy policy) {
    return new HttpToolExecutor(
        NO_SECRETS,
        new OutboundTargets(policy),
        new HttpToolSettings(1_048_576, Duration.ofMillis(500)));
  }

  private static McpToolExecutor mcpTools(OutboundPolicy policy) {
    return new McpToolExecutor(
        NO_SECRETS,
        new OutboundTargets(policy),
        new McpToolSettings(Duration.ofMillis(500), Duration.ofSeconds(60), 1_048_576));
  }

  private static ToolFailure failure(HttpToolExecutor tools, String url) {
    return catchThrowableOfType(
        ToolFailure.class,
        () -> tools.call(invocation(httpSpec(url), json("{}"), Duration.ofSeconds(5))));
  }

  private static ObjectNode httpSpec(String url) {
    ObjectNode spec = JsonNodeFactory.instance.objectNode().put("type", "http");
    spec.putObject("http").put("method", "GET").put("url", url);
    return spec;
  }

  private static ObjectNode mcpSpec(String url) {
    ObjectNode spec = JsonNodeFactory.instance.objectNode().put("type", "mcp");
    spec.putObject("mcp").put("serverUrl", url).put("toolName", "ping");
    return spec;
  }
}
