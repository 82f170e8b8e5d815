package dev.agentplane.registry.validation;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Singleton;
import java.util.List;

/** PLACEHOLDER until the validation branch lands; never committed. */
@Singleton
public final class SpecValidator {
  public ValidationReport validateTool(
      String tenantId, JsonNode spec, ValidationPurpose purpose, RegistryLookup lookup) {
    return ValidationReport.of(List.of(), List.of());
  }

  public ValidationReport validateAgent(
      String tenantId,
      String agentName,
      JsonNode spec,
      ValidationPurpose purpose,
      RegistryLookup lookup) {
    return ValidationReport.of(List.of(), List.of());
  }
}
