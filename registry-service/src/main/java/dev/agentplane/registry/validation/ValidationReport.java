package dev.agentplane.registry.validation;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/**
 * What {@code :validate} answers and {@code :promote} refuses with: errors block, warnings don't.
 */
@Serdeable
// Empty lists are answers too: {"valid":true,"errors":[],"warnings":[]}.
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ValidationReport(
    boolean valid, List<ValidationIssue> errors, List<ValidationIssue> warnings) {

  public ValidationReport {
    errors = List.copyOf(errors);
    warnings = List.copyOf(warnings);
  }

  public static ValidationReport of(List<ValidationIssue> errors, List<ValidationIssue> warnings) {
    return new ValidationReport(errors.isEmpty(), errors, warnings);
  }
}
