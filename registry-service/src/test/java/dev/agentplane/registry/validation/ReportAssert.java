package dev.agentplane.registry.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.stream.Stream;
import org.assertj.core.groups.Tuple;

/**
 * Assertions on a {@link ValidationReport} by code and pointer, which are the API; messages are for
 * humans and only checked where their content is the point.
 */
final class ReportAssert {

  private final ValidationReport report;

  private ReportAssert(ValidationReport report) {
    this.report = report;
  }

  static ReportAssert assertThatReport(ValidationReport report) {
    return new ReportAssert(report);
  }

  static Tuple issue(ValidationCode code, String pointer) {
    return tuple(code.code(), pointer);
  }

  ReportAssert hasError(ValidationCode code, String pointer) {
    assertThat(code.severity()).isEqualTo(ValidationCode.Severity.ERROR);
    assertThat(report.errors())
        .as("errors of %s", report)
        .extracting(ValidationIssue::code, ValidationIssue::pointer)
        .contains(tuple(code.code(), pointer));
    assertThat(report.valid()).isFalse();
    return this;
  }

  /** Exactly these errors, in this order, and no others. */
  ReportAssert hasOnlyErrors(Tuple... issues) {
    assertThat(report.errors())
        .as("errors of %s", report)
        .extracting(ValidationIssue::code, ValidationIssue::pointer)
        .containsExactly(issues);
    assertThat(report.valid()).isEqualTo(issues.length == 0);
    return this;
  }

  ReportAssert hasOnlyError(ValidationCode code, String pointer) {
    return hasOnlyErrors(issue(code, pointer));
  }

  ReportAssert hasWarning(ValidationCode code, String pointer) {
    assertThat(code.severity()).isEqualTo(ValidationCode.Severity.WARNING);
    assertThat(report.warnings())
        .as("warnings of %s", report)
        .extracting(ValidationIssue::code, ValidationIssue::pointer)
        .contains(tuple(code.code(), pointer));
    return this;
  }

  ReportAssert hasNoErrors() {
    assertThat(report.errors()).as("errors").isEmpty();
    assertThat(report.valid()).isTrue();
    return this;
  }

  ReportAssert hasNoWarnings() {
    assertThat(report.warnings()).as("warnings").isEmpty();
    return this;
  }

  ReportAssert hasNoIssueWithCode(ValidationCode code) {
    assertThat(Stream.concat(report.errors().stream(), report.warnings().stream()))
        .extracting(ValidationIssue::code)
        .as("issues of %s", report)
        .doesNotContain(code.code());
    return this;
  }

  ReportAssert errorMessageAt(String pointer, String fragment) {
    assertThat(report.errors())
        .filteredOn(issue -> issue.pointer().equals(pointer))
        .extracting(ValidationIssue::message)
        .anySatisfy(message -> assertThat(message).contains(fragment));
    return this;
  }
}
