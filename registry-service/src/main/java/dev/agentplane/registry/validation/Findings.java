package dev.agentplane.registry.validation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The issues one validation has found so far; sorts and de-duplicates them into a report. */
final class Findings {

  // Stable order so that the same spec always yields the same report (clients diff them).
  private static final Comparator<ValidationIssue> ORDER =
      Comparator.comparing(ValidationIssue::pointer, SpecPointer.ORDER)
          .thenComparing(ValidationIssue::code)
          .thenComparing(ValidationIssue::message);

  private final Set<ValidationIssue> errors = new LinkedHashSet<>();
  private final Set<ValidationIssue> warnings = new LinkedHashSet<>();

  void add(ValidationCode code, SpecPointer pointer, String message) {
    ValidationIssue issue = new ValidationIssue(pointer.toString(), code.code(), message);
    switch (code.severity()) {
      case ERROR -> errors.add(issue);
      case WARNING -> warnings.add(issue);
    }
  }

  ValidationReport report() {
    return ValidationReport.of(sorted(errors), sorted(warnings));
  }

  private static List<ValidationIssue> sorted(Set<ValidationIssue> issues) {
    List<ValidationIssue> list = new ArrayList<>(issues);
    list.sort(ORDER);
    return list;
  }
}
