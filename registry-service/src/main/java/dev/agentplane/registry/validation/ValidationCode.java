package dev.agentplane.registry.validation;

/**
 * Every code the validation pipeline reports, with its severity. The strings are API: clients
 * branch on them, so they never change meaning; the README's "Validation codes" table documents
 * each one.
 */
public enum ValidationCode {
  // Shape: the spec against its format's JSON Schema (spec-schemas/*.schema.json).
  SPEC_NOT_AN_OBJECT("spec.not-an-object", Severity.ERROR),
  SPEC_TOO_DEEP("spec.too-deep", Severity.ERROR),
  SPEC_TOO_LARGE("spec.too-large", Severity.ERROR),
  SPEC_MISSING_FIELD("spec.missing-field", Severity.ERROR),
  SPEC_WRONG_TYPE("spec.wrong-type", Severity.ERROR),
  SPEC_UNKNOWN_FIELD("spec.unknown-field", Severity.ERROR),
  SPEC_INVALID_VALUE("spec.invalid-value", Severity.ERROR),
  SPEC_OUT_OF_RANGE("spec.out-of-range", Severity.ERROR),
  SPEC_INVALID_FORMAT("spec.invalid-format", Severity.ERROR),

  // User-supplied JSON Schemas (inputSchema, outputSchema, approval schemas).
  SCHEMA_INVALID("schema.invalid", Severity.ERROR),
  SCHEMA_EXTERNAL_REFERENCE("schema.external-reference", Severity.ERROR),

  // Secrets.
  SECRET_REFERENCE_MALFORMED("secret.reference-malformed", Severity.ERROR),
  SECRET_REFERENCE_MISPLACED("secret.reference-misplaced", Severity.ERROR),
  SECRET_NOT_FOUND("secret.not-found", Severity.ERROR),

  // Tools.
  TOOL_TYPE_BLOCK_MISSING("tool.type-block-missing", Severity.ERROR),
  TOOL_TYPE_BLOCK_UNEXPECTED("tool.type-block-unexpected", Severity.ERROR),
  TOOL_INPUT_SCHEMA_NOT_OBJECT("tool.input-schema.not-object", Severity.ERROR),
  TOOL_HIGH_RISK_WITHOUT_APPROVAL("tool.high-risk-without-approval", Severity.ERROR),
  TOOL_HTTP_URL_INVALID("tool.http.url-invalid", Severity.ERROR),
  TOOL_HTTP_HOST_TEMPLATED("tool.http.host-templated", Severity.ERROR),
  TOOL_HTTP_HOST_NOT_ALLOWED("tool.http.host-not-allowed", Severity.ERROR),
  TOOL_HTTP_PLACEHOLDER_UNDECLARED("tool.http.placeholder-undeclared", Severity.ERROR),
  TOOL_HTTP_HEADER_NAME_INVALID("tool.http.header-name-invalid", Severity.ERROR),
  TOOL_HTTP_HEADER_FORBIDDEN("tool.http.header-forbidden", Severity.ERROR),
  TOOL_HTTP_HEADER_VALUE_INVALID("tool.http.header-value-invalid", Severity.ERROR),
  TOOL_HTTP_UNSAFE_WITHOUT_APPROVAL("tool.http.unsafe-without-approval", Severity.WARNING),
  TOOL_BUILTIN_UNKNOWN("tool.builtin.unknown", Severity.ERROR),
  TOOL_MCP_URL_INVALID("tool.mcp.url-invalid", Severity.ERROR),
  TOOL_MCP_HOST_NOT_ALLOWED("tool.mcp.host-not-allowed", Severity.ERROR),
  TOOL_AGENT_NOT_FOUND("tool.agent.not-found", Severity.ERROR),

  // Agents.
  AGENT_INSTRUCTIONS_EMPTY("agent.instructions.empty", Severity.ERROR),
  AGENT_MODEL_UNKNOWN_BUILTIN("agent.model.unknown-builtin", Severity.ERROR),
  AGENT_MODEL_API_KEY_SECRET_REQUIRED("agent.model.api-key-secret-required", Severity.ERROR),
  AGENT_MODEL_BASE_URL_UNEXPECTED("agent.model.base-url-unexpected", Severity.ERROR),
  AGENT_MODEL_BASE_URL_INVALID("agent.model.base-url-invalid", Severity.ERROR),
  AGENT_MODEL_HOST_NOT_ALLOWED("agent.model.host-not-allowed", Severity.ERROR),
  AGENT_MODEL_SCRIPT_INVALID("agent.model.script-invalid", Severity.ERROR),
  AGENT_MODEL_SCRIPT_UNKNOWN_TOOL("agent.model.script-unknown-tool", Severity.ERROR),
  AGENT_MODEL_SCRIPT_IGNORED("agent.model.script-ignored", Severity.WARNING),
  AGENT_TOOL_NOT_FOUND("agent.tool.not-found", Severity.ERROR),
  AGENT_TOOL_VERSION_NOT_FOUND("agent.tool.version-not-found", Severity.ERROR),
  AGENT_TOOL_ARCHIVED("agent.tool.archived", Severity.ERROR),
  AGENT_TOOL_NOT_ACTIVE("agent.tool.not-active", Severity.ERROR),
  AGENT_TOOL_NO_ACTIVE_VERSION("agent.tool.no-active-version", Severity.WARNING),
  AGENT_TOOL_DUPLICATE("agent.tool.duplicate", Severity.ERROR),
  AGENT_TOOL_AGENT_TOOL_REQUIRES_ORCHESTRATOR(
      "agent.tool.agent-tool-requires-orchestrator", Severity.ERROR),
  AGENT_ORCHESTRATOR_NO_TOOLS("agent.orchestrator.no-tools", Severity.WARNING),
  AGENT_ORCHESTRATOR_CYCLE("agent.orchestrator.cycle", Severity.ERROR),
  AGENT_ORCHESTRATOR_TOO_DEEP("agent.orchestrator.too-deep", Severity.WARNING),
  AGENT_POLICY_MAX_STEPS_EXCEEDED("agent.policy.max-steps-exceeded", Severity.ERROR),
  AGENT_POLICY_TIMEOUT_EXCEEDED("agent.policy.timeout-exceeded", Severity.ERROR),
  AGENT_POLICY_TOKEN_BUDGET_EXCEEDED("agent.policy.token-budget-exceeded", Severity.ERROR),
  AGENT_POLICY_UNKNOWN_TOOL_OVERRIDE("agent.policy.unknown-tool-override", Severity.ERROR);

  /** Errors block promotion; warnings are reported and do not. */
  public enum Severity {
    ERROR,
    WARNING
  }

  private final String code;
  private final Severity severity;

  ValidationCode(String code, Severity severity) {
    this.code = code;
    this.severity = severity;
  }

  /** The stable wire value, e.g. {@code tool.http.url-invalid}. */
  public String code() {
    return code;
  }

  public Severity severity() {
    return severity;
  }
}
