package dev.agentplane.execution.tool.mcp;

import static dev.agentplane.execution.support.TestMcpServer.text;
import static dev.agentplane.execution.support.TestMcpServer.tool;
import static dev.agentplane.execution.tool.Invocations.TENANT;
import static dev.agentplane.execution.tool.Invocations.invocation;
import static dev.agentplane.execution.tool.Invocations.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.execution.outbound.OutboundTargets;
import dev.agentplane.execution.registry.TenantSecrets;
import dev.agentplane.execution.support.TestMcpServer;
import dev.agentplane.execution.tool.ToolFailure;
import dev.agentplane.execution.tool.ToolResult;
import dev.agentplane.kit.outbound.OutboundHostGuard;
import io.modelcontextprotocol.spec.McpSchema;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MCP tools against an MCP server built with the SDK's own server side, on loopback ({@link
 * TestMcpServer}).
 */
class McpToolIT {

  private static final String TOKEN = "mcp-tok-51b7c0a9";
  private static final TenantSecrets SECRETS =
      (tenant, name) ->
          TENANT.equals(tenant)
              ? Optional.ofNullable(Map.of("MCP_TOKEN", TOKEN).get(name))
              : Optional.empty();
  private static final String NUMBERS_SCHEMA =
      """
      {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}
      """;

  private final CountDownLatch slowToolCalled = new CountDownLatch(1);
  private final CountDownLatch testOver = new CountDownLatch(1);
  private TestMcpServer server;
  private McpToolExecutor executor;

  @BeforeEach
  void startServer() throws Exception {
    server =
        TestMcpServer.builder()
            .tool(
                tool("add", "Adds a and b", NUMBERS_SCHEMA),
                (exchange, request) ->
                    text(
                        number(request.arguments().get("a"))
                            .add(number(request.arguments().get("b")))
                            .toPlainString()))
            .tool(
                tool("divide", "Divides a by b", NUMBERS_SCHEMA),
                (exchange, request) ->
                    McpSchema.CallToolResult.builder()
                        .addTextContent("cannot divide " + request.arguments().get("a"))
                        .addTextContent("by zero")
                        .isError(true)
                        .build())
            .tool(
                tool("slow_add", "Adds a and b when the test is over", NUMBERS_SCHEMA),
                (exchange, request) -> {
                  slowToolCalled.countDown();
                  try {
                    testOver.await(30, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return text("late");
                })
            .start();
    executor = executorAllowing(List.of("127.0.0.1"));
  }

  @AfterEach
  void stopServer() throws Exception {
    testOver.countDown();
    executor.close();
    server.close();
  }

  private static McpToolExecutor executorAllowing(List<String> hosts) {
    return new McpToolExecutor(
        SECRETS,
        new OutboundTargets(hosts, OutboundHostGuard.HostResolver.SYSTEM),
        new McpToolSettings(Duration.ofSeconds(5), Duration.ofSeconds(60), 1_048_576));
  }

  private static BigDecimal number(Object value) {
    return new BigDecimal(value.toString());
  }

  private ObjectNode spec(String toolName) {
    ObjectNode spec = JsonNodeFactory.instance.objectNode().put("type", "mcp");
    spec.putObject("mcp").put("serverUrl", server.url()).put("toolName", toolName);
    return spec;
  }

  private ToolFailure failureOf(McpToolExecutor executor, JsonNode spec, JsonNode arguments) {
    return catchThrowableOfType(
        ToolFailure.class, () -> executor.call(invocation(spec, arguments)));
  }

  @Test
  void callsTheRemoteToolAndAnswersWithItsText() throws InterruptedException {
    ToolResult result = executor.call(invocation(spec("add"), json("{'a': 2, 'b': 40.5}")));

    assertThat(result).isEqualTo(ToolResult.of("42.5"));
  }

  @Test
  void sendsTheAuthSecretAsABearerToken() throws InterruptedException {
    ObjectNode spec = spec("add");
    spec.with("mcp").put("authSecret", "MCP_TOKEN");

    executor.call(invocation(spec, json("{'a': 1, 'b': 1}")));

    assertThat(server.authorizations()).isNotEmpty().containsOnly("Bearer " + TOKEN);
  }

  @Test
  void aToolTheServerDoesNotOfferIsAnUnknownTool() {
    ToolFailure failure = failureOf(executor, spec("multiply"), json("{'a': 1, 'b': 2}"));

    assertThat(failure.code()).isEqualTo("unknown_tool");
    assertThat(failure.getMessage()).contains("'multiply'", "it offers add, divide, slow_add");
  }

  @Test
  void aResultFlaggedAsErrorIsAToolError() {
    ObjectNode spec = spec("divide");
    spec.with("mcp").put("authSecret", "MCP_TOKEN");

    ToolFailure failure = failureOf(executor, spec, json("{'a': 1, 'b': 0}"));

    assertThat(failure.code()).isEqualTo("tool_error");
    assertThat(failure.getMessage()).isEqualTo("cannot divide 1\nby zero");
  }

  @Test
  void aToolSlowerThanTheCallsTimeoutIsATimeout() {
    long started = System.nanoTime();
    ToolFailure failure =
        catchThrowableOfType(
            ToolFailure.class,
            () ->
                executor.call(
                    invocation(
                        spec("slow_add"), json("{'a': 1, 'b': 2}"), Duration.ofMillis(500))));

    assertThat(failure.code()).isEqualTo("tool_timeout");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void anInterruptAbandonsTheCallPromptly() throws InterruptedException {
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    CountDownLatch callEnded = new CountDownLatch(1);
    Thread caller =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    executor.call(invocation(spec("slow_add"), json("{'a': 1, 'b': 2}")));
                  } catch (Throwable t) {
                    outcome.set(t);
                  } finally {
                    callEnded.countDown();
                  }
                });
    assertThat(slowToolCalled.await(10, TimeUnit.SECONDS)).isTrue();

    long interruptedAt = System.nanoTime();
    caller.interrupt();

    assertThat(callEnded.await(5, TimeUnit.SECONDS)).isTrue();
    // Far short of the call's 30 s timeout, with room for a stall of a loaded machine.
    assertThat(Duration.ofNanos(System.nanoTime() - interruptedAt))
        .isLessThan(Duration.ofSeconds(3));
    assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
  }

  @Test
  void aMissingSecretFailsTheCallBeforeTheServerIsAsked() {
    ObjectNode spec = spec("add");
    spec.with("mcp").put("authSecret", "GONE_TOKEN");

    ToolFailure failure = failureOf(executor, spec, json("{'a': 1, 'b': 2}"));

    assertThat(failure.code()).isEqualTo("tool_secret_missing");
    assertThat(server.authorizations()).isEmpty();
  }

  @Test
  void aServerOnAPrivateHostThatIsNotAllowlistedIsBlocked() {
    try (McpToolExecutor guarded = executorAllowing(List.of())) {
      ToolFailure failure = failureOf(guarded, spec("add"), json("{'a': 1, 'b': 2}"));

      assertThat(failure.code()).isEqualTo("tool_host_blocked");
    }
    assertThat(server.authorizations()).isEmpty();
  }
}
