package dev.agentplane.execution.tool.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentplane.execution.outbound.BlockedTargetException;
import dev.agentplane.execution.outbound.OutboundTargets;
import dev.agentplane.execution.registry.RegistryUnavailableException;
import dev.agentplane.execution.registry.TenantSecrets;
import dev.agentplane.execution.tool.ToolExecutor;
import dev.agentplane.execution.tool.ToolFailure;
import dev.agentplane.execution.tool.ToolInvocation;
import dev.agentplane.execution.tool.ToolResult;
import dev.agentplane.kit.outbound.OutboundTarget;
import dev.agentplane.kit.outbound.PinnedHttpClients;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Calls tools on remote MCP servers ({@code type: mcp}) with the official MCP Java SDK over
 * streamable HTTP: {@code initialize}, then (unless the server offered the tool in a recent
 * listing, see {@link RemoteToolNames}) {@code tools/list} to check the tool exists, then {@code
 * tools/call} with the call's arguments. The text content of the result, joined by newlines, is the
 * tool's result; {@code isError} makes it a {@code tool_error}.
 *
 * <p>Each call opens its own MCP session and closes it afterwards, in the background. A pool of
 * initialized sessions per server and credential would save the {@code initialize} round trip, but
 * sessions expire on the server's terms, carry the secret as it was when opened (a rotated one
 * would linger) and must be re-established after failures; one session per call has none of that.
 * The sessions share the executor's {@link PinnedHttpClients} (connections, selector threads),
 * which follow no redirects.
 *
 * <p>First of all the server's URL passes {@link OutboundTargets#pin}: the host is resolved now,
 * every address judged, and the session's requests go to the address judged (with the URL's name in
 * {@code Host} and TLS), never to a second answer of DNS. Then {@code authSecret} is revealed and
 * sent as {@code Authorization: Bearer ...}; its value is struck from every text the call produces.
 * The whole call (initialize, list, call) is bounded by the call's timeout ({@code tool_timeout});
 * an interrupt cancels the request in flight and surfaces as {@link InterruptedException}.
 *
 * <p>Failure codes: {@code invalid_tool_spec}, {@code tool_host_blocked}, {@code
 * tool_secret_missing}, {@code unknown_tool} (the server offers no tool of that name), {@code
 * tool_error} (the tool said {@code isError}, or the server answered with a JSON-RPC error or an
 * unusable HTTP answer), {@code tool_timeout}, {@code tool_connection_failed}. {@link
 * RegistryUnavailableException} from the secrets passes through.
 */
@Singleton
public class McpToolExecutor implements ToolExecutor, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(McpToolExecutor.class);
  private static final McpSchema.Implementation CLIENT_INFO =
      new McpSchema.Implementation("agentplane", "1");
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> JSON_OBJECT = new TypeReference<>() {};
  // A server listing more pages than this is not one a model can choose from anyway.
  private static final int MAX_TOOL_PAGES = 50;
  private static final int NAMES_SHOWN = 20;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final TenantSecrets secrets;
  private final OutboundTargets targets;
  private final McpToolSettings settings;
  private final PinnedHttpClients clients;
  private final RemoteToolNames offered;

  public McpToolExecutor(TenantSecrets secrets, OutboundTargets targets, McpToolSettings settings) {
    this.secrets = secrets;
    this.targets = targets;
    this.settings = settings;
    // HTTP/1.1, as the SDK's transport asks for itself.
    this.clients = new PinnedHttpClients(settings.connectTimeout());
    this.offered = new RemoteToolNames(settings.toolListTtl());
  }

  @Override
  public String type() {
    return "mcp";
  }

  @Override
  public ToolResult call(ToolInvocation invocation) throws InterruptedException {
    McpToolSpec spec = McpToolSpec.of(invocation.spec());
    Map<String, Object> arguments =
        invocation.arguments() == null
            ? Map.of()
            : MAPPER.convertValue(invocation.arguments(), JSON_OBJECT);
    Deadline deadline = Deadline.after(invocation.timeout());
    OutboundTarget pinned;
    try {
      pinned = targets.pin(spec.serverUrl());
    } catch (BlockedTargetException e) {
      throw new ToolFailure("tool_host_blocked", e.getMessage(), e);
    }
    Optional<String> token = spec.authSecret().map(name -> reveal(invocation.tenantId(), name));
    Redaction redaction = new Redaction(pinned, spec.authSecret(), token);
    McpAsyncClient client = client(pinned, token, invocation.timeout());
    try {
      Call call = new Call(spec, deadline, redaction);
      call.await(client.initialize());
      RemoteToolNames.Server server =
          new RemoteToolNames.Server(invocation.tenantId(), spec.serverUrl(), spec.authSecret());
      if (!offered.recentlyOffered(server, spec.toolName())) {
        Set<String> names = call.toolNames(client);
        offered.remember(server, names);
        if (!names.contains(spec.toolName())) {
          throw new ToolFailure(
              "unknown_tool",
              "The MCP server "
                  + spec.origin()
                  + " offers no tool '"
                  + spec.toolName()
                  + "'"
                  + offeredNames(names));
        }
      }
      McpSchema.CallToolResult result =
          call.await(client.callTool(new McpSchema.CallToolRequest(spec.toolName(), arguments)));
      String text = redaction.apply(textOf(result));
      if (Boolean.TRUE.equals(result.isError())) {
        throw new ToolFailure("tool_error", text.isBlank() ? "The tool reported an error" : text);
      }
      return capped(text);
    } finally {
      closeInBackground(client, spec);
    }
  }

  private String reveal(String tenantId, String name) {
    return secrets
        .reveal(tenantId, name)
        .orElseThrow(
            () ->
                new ToolFailure(
                    "tool_secret_missing",
                    "The MCP tool needs the secret " + name + ", which the tenant does not have"));
  }

  private McpAsyncClient client(OutboundTarget pinned, Optional<String> token, Duration timeout) {
    String connectTo = pinned.connectUri().toString();
    HttpClientStreamableHttpTransport transport =
        HttpClientStreamableHttpTransport.builder(connectTo)
            .endpoint(connectTo)
            .clientBuilder(new SharedHttpClientBuilder(clients.clientFor(pinned)))
            .customizeRequest(
                request -> {
                  request.setHeader("Host", pinned.hostHeader());
                  token.ifPresent(value -> request.header("Authorization", "Bearer " + value));
                })
            .build();
    return McpClient.async(transport)
        .clientInfo(CLIENT_INFO)
        .jsonSchemaValidator(new OutputSchemasUnchecked())
        .requestTimeout(timeout)
        .initializationTimeout(timeout)
        .build();
  }

  private static void closeInBackground(McpAsyncClient client, McpToolSpec spec) {
    client
        .closeGracefully()
        .timeout(CLOSE_TIMEOUT)
        .subscribe(
            done -> {},
            failure ->
                LOG.debug(
                    "Closing the MCP session with {} failed: {}",
                    spec.origin(),
                    failure.getClass().getSimpleName()));
  }

  private static String offeredNames(Set<String> names) {
    if (names.isEmpty()) {
      return "; it offers none";
    }
    List<String> sorted = names.stream().sorted().limit(NAMES_SHOWN).toList();
    return "; it offers "
        + String.join(", ", sorted)
        + (names.size() > NAMES_SHOWN ? " and " + (names.size() - NAMES_SHOWN) + " more" : "");
  }

  /** The result's text contents joined by newlines; other content is named, not shown. */
  private static String textOf(McpSchema.CallToolResult result) {
    List<String> parts = new ArrayList<>();
    for (McpSchema.Content content :
        result.content() == null ? List.<McpSchema.Content>of() : result.content()) {
      if (content instanceof McpSchema.TextContent text) {
        parts.add(text.text());
      } else if (content instanceof McpSchema.EmbeddedResource embedded
          && embedded.resource() instanceof McpSchema.TextResourceContents text) {
        parts.add(text.text());
      } else {
        parts.add("[" + content.type() + " content not shown]");
      }
    }
    if (parts.isEmpty() && result.structuredContent() != null) {
      try {
        parts.add(MAPPER.writeValueAsString(result.structuredContent()));
      } catch (JsonProcessingException e) {
        parts.add("[structured content not shown]");
      }
    }
    return String.join("\n", parts);
  }

  private ToolResult capped(String text) {
    int cap = settings.maxResultCharacters();
    if (text.length() <= cap) {
      return ToolResult.of(text);
    }
    return new ToolResult(
        text.substring(0, cap) + "\n[truncated: result exceeded " + cap + " characters]", true);
  }

  @Override
  @PreDestroy
  public void close() {
    clients.close();
  }

  /** When the whole call must be over. */
  private record Deadline(long atNanos) {
    static Deadline after(Duration timeout) {
      return new Deadline(System.nanoTime() + timeout.toNanos());
    }

    long remainingNanos() {
      return atNanos - System.nanoTime();
    }
  }

  /**
   * Strikes the bearer token, and the address the server's name was pinned to, from texts the call
   * hands back.
   */
  private record Redaction(
      OutboundTarget pinned, Optional<String> secretName, Optional<String> value) {
    String apply(String text) {
      String withoutToken =
          value
              .filter(token -> !token.isEmpty())
              .map(token -> text.replace(token, "[secret " + secretName.orElseThrow() + "]"))
              .orElse(text);
      return pinned.redact(withoutToken);
    }
  }

  /** One call's steps, each awaited within the call's deadline. */
  private record Call(McpToolSpec spec, Deadline deadline, Redaction redaction) {

    Set<String> toolNames(McpAsyncClient client) throws InterruptedException {
      Set<String> names = new HashSet<>();
      String cursor = null;
      for (int page = 0; page < MAX_TOOL_PAGES; page++) {
        McpSchema.ListToolsResult listed = await(client.listTools(cursor));
        if (listed.tools() != null) {
          listed.tools().forEach(tool -> names.add(tool.name()));
        }
        cursor = listed.nextCursor();
        if (cursor == null || cursor.isEmpty()) {
          break;
        }
      }
      return names;
    }

    <T> T await(Mono<T> step) throws InterruptedException {
      long remaining = deadline.remainingNanos();
      if (remaining <= 0) {
        throw timedOut();
      }
      CompletableFuture<T> pending = step.toFuture();
      try {
        return pending.get(remaining, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        pending.cancel(true);
        throw e;
      } catch (TimeoutException e) {
        pending.cancel(true);
        throw timedOut();
      } catch (ExecutionException e) {
        throw failure(e.getCause());
      }
    }

    private ToolFailure failure(Throwable cause) {
      for (Throwable link = cause; link != null; link = link.getCause()) {
        if (link instanceof HttpTimeoutException || link instanceof TimeoutException) {
          return timedOut();
        }
        if (link instanceof McpError error) {
          return new ToolFailure(
              "tool_error",
              redaction.apply(
                  "The MCP server "
                      + spec.origin()
                      + " answered with an error: "
                      + error.getMessage()),
              cause);
        }
        if (link instanceof IOException io) {
          return new ToolFailure(
              "tool_connection_failed",
              redaction.apply(
                  "Calling the MCP server "
                      + spec.origin()
                      + " failed: "
                      + io.getClass().getSimpleName()
                      + (io.getMessage() == null ? "" : ": " + io.getMessage())),
              cause);
        }
      }
      return new ToolFailure(
          "tool_error",
          redaction.apply(
              "Calling the MCP server "
                  + spec.origin()
                  + " failed: "
                  + cause.getClass().getSimpleName()
                  + (cause.getMessage() == null ? "" : ": " + cause.getMessage())),
          cause);
    }

    private ToolFailure timedOut() {
      return new ToolFailure(
          "tool_timeout",
          "The MCP server " + spec.origin() + " did not answer within the call's timeout");
    }
  }
}
