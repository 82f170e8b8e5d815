package dev.agentplane.execution.support;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiFunction;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * An MCP server built with the MCP Java SDK's own server side, over streamable HTTP at {@code /mcp}
 * on 127.0.0.1 (Jetty): the tools a test gives it, the {@code Authorization} headers it was sent,
 * and every {@code tools/call} it received.
 */
public final class TestMcpServer implements AutoCloseable {

  /** What a tool does with a call. */
  public interface Handler
      extends BiFunction<
          McpSyncServerExchange, McpSchema.CallToolRequest, McpSchema.CallToolResult> {}

  private final Queue<String> authorizations;
  private final Queue<McpSchema.CallToolRequest> calls;
  private final McpSyncServer mcp;
  private final Server jetty;

  private TestMcpServer(
      Queue<String> authorizations,
      Queue<McpSchema.CallToolRequest> calls,
      McpSyncServer mcp,
      Server jetty) {
    this.authorizations = authorizations;
    this.calls = calls;
    this.mcp = mcp;
    this.jetty = jetty;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A tool description with this JSON Schema for its arguments. */
  public static McpSchema.Tool tool(String name, String description, String inputSchema) {
    return McpSchema.Tool.builder()
        .name(name)
        .description(description)
        .inputSchema(McpJsonMapper.getDefault(), inputSchema)
        .build();
  }

  /** A successful result holding these texts. */
  public static McpSchema.CallToolResult text(String... texts) {
    McpSchema.CallToolResult.Builder result = McpSchema.CallToolResult.builder();
    for (String text : texts) {
      result.addTextContent(text);
    }
    return result.build();
  }

  /** The URL an {@code mcp} tool spec names as its {@code serverUrl}. */
  public String url() {
    return "http://127.0.0.1:"
        + ((ServerConnector) jetty.getConnectors()[0]).getLocalPort()
        + "/mcp";
  }

  /** Every {@code Authorization} header the server was sent ({@code "null"} when absent). */
  public List<String> authorizations() {
    return List.copyOf(authorizations);
  }

  /** Every {@code tools/call} the server received, in order. */
  public List<McpSchema.CallToolRequest> calls() {
    return List.copyOf(calls);
  }

  @Override
  public void close() throws Exception {
    mcp.closeGracefully();
    jetty.stop();
  }

  /** The server's tools, then {@link #start()}. */
  public static final class Builder {

    private final Map<McpSchema.Tool, Handler> tools = new LinkedHashMap<>();

    private Builder() {}

    public Builder tool(McpSchema.Tool tool, Handler handler) {
      tools.put(tool, handler);
      return this;
    }

    public TestMcpServer start() throws Exception {
      Queue<String> authorizations = new ConcurrentLinkedQueue<>();
      Queue<McpSchema.CallToolRequest> calls = new ConcurrentLinkedQueue<>();
      HttpServletStreamableServerTransportProvider transport =
          HttpServletStreamableServerTransportProvider.builder()
              .mcpEndpoint("/mcp")
              .contextExtractor(
                  request -> {
                    authorizations.add(String.valueOf(request.getHeader("Authorization")));
                    return McpTransportContext.EMPTY;
                  })
              .build();
      McpServer.SyncSpecification<?> spec =
          McpServer.sync(transport)
              .serverInfo("test-tools", "1")
              // The SDK's default validator needs json-schema-validator 2.x; the module has 1.5.x.
              .jsonSchemaValidator(
                  (schema, content) -> JsonSchemaValidator.ValidationResponse.asValid(null))
              .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build());
      tools.forEach(
          (tool, handler) ->
              spec.toolCall(
                  tool,
                  (exchange, request) -> {
                    calls.add(request);
                    return handler.apply(exchange, request);
                  }));
      McpSyncServer mcp = spec.build();
      Server jetty = new Server(new InetSocketAddress("127.0.0.1", 0));
      ServletContextHandler context = new ServletContextHandler();
      ServletHolder servlet = new ServletHolder(transport);
      servlet.setAsyncSupported(true);
      context.addServlet(servlet, "/*");
      jetty.setHandler(context);
      try {
        jetty.start();
      } catch (Exception e) {
        mcp.closeGracefully();
        throw e;
      }
      return new TestMcpServer(authorizations, calls, mcp, jetty);
    }
  }
}
