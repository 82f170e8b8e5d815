package dev.agentplane.registry.validation;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Singleton;
import java.util.Objects;

/**
 * The registry's validation pipeline: checks a tool or agent spec's shape against its format's JSON
 * Schema, then the rules that need the tenant's registry (through {@link RegistryLookup}, its only
 * source of facts), and answers with every finding as a {@link ValidationReport}.
 *
 * <p>Any JSON value is a valid input: whatever is wrong with it becomes an issue, never an
 * exception. Exceptions from the {@link RegistryLookup} itself (a database that is down) do
 * propagate, since they say nothing about the spec.
 */
@Singleton
public final class SpecValidator {

  public SpecValidator() {
    // Compile the spec schemas and the meta-schema now: a broken resource fails at startup, and
    // the first request does not pay for it.
    SpecShape.preload();
    UserSchemas.preload();
  }

  /** Validates a tool spec for the tenant. */
  public ValidationReport validateTool(
      String tenantId, JsonNode spec, ValidationPurpose purpose, RegistryLookup lookup) {
    ValidationRun run = start(tenantId, purpose, lookup);
    if (SpecShape.check(SpecShape.Format.TOOL, spec, run.findings())) {
      ToolSpecRules.check(spec, run);
    }
    return run.findings().report();
  }

  /**
   * Validates a spec for the tenant's agent {@code agentName} (the name matters for cycles: a chain
   * of agent-typed tools must not lead back to it).
   */
  public ValidationReport validateAgent(
      String tenantId,
      String agentName,
      JsonNode spec,
      ValidationPurpose purpose,
      RegistryLookup lookup) {
    Objects.requireNonNull(agentName, "agentName");
    ValidationRun run = start(tenantId, purpose, lookup);
    if (SpecShape.check(SpecShape.Format.AGENT, spec, run.findings())) {
      AgentSpecRules.check(agentName, spec, run);
    }
    return run.findings().report();
  }

  private static ValidationRun start(
      String tenantId, ValidationPurpose purpose, RegistryLookup lookup) {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(purpose, "purpose");
    Objects.requireNonNull(lookup, "lookup");
    return ValidationRun.start(tenantId, purpose, lookup);
  }
}
