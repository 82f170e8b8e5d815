package dev.agentplane.registry.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.kit.outbound.OutboundHostGuard;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** The rules a tool spec must satisfy beyond its shape: type blocks, schemas, risk, targets. */
final class ToolSpecRules {

  /** A tool's {@code type}; its wire value also names the block that configures it. */
  enum ToolType {
    HTTP,
    BUILTIN,
    MCP,
    AGENT;

    String block() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Optional<ToolType> fromWire(String value) {
      for (ToolType type : values()) {
        if (type.block().equals(value)) {
          return Optional.of(type);
        }
      }
      return Optional.empty();
    }
  }

  static final Set<String> BUILTIN_CATALOG =
      Set.of("calculator", "json_extract", "current_time", "echo", "sleep");
  static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");

  private ToolSpecRules() {}

  static void check(JsonNode spec, ValidationRun run) {
    SpecFields.object(spec, "inputSchema").ifPresent(schema -> checkInputSchema(schema, run));
    SpecFields.object(spec, "approval")
        .ifPresent(schema -> UserSchemas.check(schema, SpecPointer.of("approval"), run.findings()));
    if (SpecFields.text(spec, "risk").filter("high"::equals).isPresent()
        && SpecFields.text(spec, "approval").filter("never"::equals).isPresent()) {
      run.add(
          ValidationCode.TOOL_HIGH_RISK_WITHOUT_APPROVAL,
          SpecPointer.of("approval"),
          "a high-risk tool needs approval: use \"always\" or a schema, not \"never\"");
    }
    Optional<ToolType> type = SpecFields.text(spec, "type").flatMap(ToolType::fromWire);
    if (type.isEmpty()) {
      return; // the shape check reported it; which block belongs is unknowable
    }
    checkTypeBlocks(spec, type.get(), run);
    Optional<JsonNode> block = SpecFields.object(spec, type.get().block());
    if (block.isEmpty()) {
      return;
    }
    switch (type.get()) {
      case HTTP -> HttpToolRules.check(spec, block.get(), run);
      case BUILTIN -> checkBuiltin(block.get(), run);
      case MCP -> checkMcp(block.get(), run);
      case AGENT -> checkAgent(block.get(), run);
    }
  }

  private static void checkInputSchema(JsonNode schema, ValidationRun run) {
    SpecPointer at = SpecPointer.of("inputSchema");
    UserSchemas.check(schema, at, run.findings());
    // Tool arguments are named: models call tools with a JSON object, and placeholders name its
    // members.
    JsonNode type = schema.get("type");
    if (type == null) {
      run.add(
          ValidationCode.TOOL_INPUT_SCHEMA_NOT_OBJECT,
          at,
          "a tool's inputSchema must say \"type\": \"object\"");
    } else if (!type.isTextual() || !type.textValue().equals("object")) {
      run.add(
          ValidationCode.TOOL_INPUT_SCHEMA_NOT_OBJECT,
          at.child("type"),
          "a tool's inputSchema must describe an object, not "
              + TemplateText.abbreviated(type.toString()));
    }
  }

  private static void checkTypeBlocks(JsonNode spec, ToolType type, ValidationRun run) {
    if (!spec.has(type.block())) {
      run.add(
          ValidationCode.TOOL_TYPE_BLOCK_MISSING,
          SpecPointer.of(type.block()),
          "a tool of type \"" + type.block() + "\" needs an \"" + type.block() + "\" block");
    }
    for (ToolType other : ToolType.values()) {
      if (other != type && spec.has(other.block())) {
        run.add(
            ValidationCode.TOOL_TYPE_BLOCK_UNEXPECTED,
            SpecPointer.of(other.block()),
            "a tool of type \""
                + type.block()
                + "\" must not have an \""
                + other.block()
                + "\" block");
      }
    }
  }

  private static void checkBuiltin(JsonNode builtin, ValidationRun run) {
    SpecFields.text(builtin, "name")
        .filter(name -> !BUILTIN_CATALOG.contains(name))
        .ifPresent(
            name ->
                run.add(
                    ValidationCode.TOOL_BUILTIN_UNKNOWN,
                    SpecPointer.of("builtin", "name"),
                    "'"
                        + TemplateText.abbreviated(name)
                        + "' is not a builtin tool; known: "
                        + BUILTIN_CATALOG.stream().sorted().toList()));
  }

  private static void checkMcp(JsonNode mcp, ValidationRun run) {
    SpecPointer serverUrl = SpecPointer.of("mcp", "serverUrl");
    SpecFields.text(mcp, "serverUrl")
        .ifPresent(
            url -> {
              switch (UrlReading.ofUrl(url)) {
                case UrlReading.Invalid invalid ->
                    run.add(ValidationCode.TOOL_MCP_URL_INVALID, serverUrl, invalid.reason());
                case UrlReading.HostTemplated templated ->
                    run.add(
                        ValidationCode.TOOL_MCP_URL_INVALID,
                        serverUrl,
                        "the server URL must not contain placeholders");
                case UrlReading.Host host ->
                    refuseBlockedHost(
                        host.host(), ValidationCode.TOOL_MCP_HOST_NOT_ALLOWED, serverUrl, run);
              }
            });
    SpecFields.text(mcp, "authSecret")
        .ifPresent(secret -> requireSecret(secret, SpecPointer.of("mcp", "authSecret"), run));
  }

  private static void checkAgent(JsonNode agent, ValidationRun run) {
    SpecFields.text(agent, "name")
        .filter(name -> NAME.matcher(name).matches())
        .filter(name -> run.lookup().agentSpecForReference(run.tenantId(), name).isEmpty())
        .ifPresent(
            name ->
                run.add(
                    ValidationCode.TOOL_AGENT_NOT_FOUND,
                    SpecPointer.of("agent", "name"),
                    "the tenant has no agent named '" + name + "'"));
  }

  /** Reports {@code code} at {@code pointer} when the SSRF rule refuses the host. */
  static void refuseBlockedHost(
      String host, ValidationCode code, SpecPointer pointer, ValidationRun run) {
    if (OutboundHostGuard.judge(host, run.policy().httpHostAllowlist())
        instanceof OutboundHostGuard.Verdict.Refused refused) {
      run.add(
          code,
          pointer,
          refused.reason()
              + "; the platform does not call private hosts unless the tenant allowlists them");
    }
  }

  /**
   * Reports a well-formed secret name the tenant does not have; a malformed one is a shape issue.
   */
  static void requireSecret(String secretName, SpecPointer pointer, ValidationRun run) {
    if (TemplateText.SECRET_NAME.matcher(secretName).matches() && !run.secretExists(secretName)) {
      run.add(
          ValidationCode.SECRET_NOT_FOUND,
          pointer,
          "the tenant has no secret named '" + secretName + "'");
    }
  }
}
