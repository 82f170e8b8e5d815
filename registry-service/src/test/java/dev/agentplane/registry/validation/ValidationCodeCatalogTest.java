package dev.agentplane.registry.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the code catalogue honest: codes are unique and well-formed, each one is documented in the
 * README and asserted (code and pointer) by at least one test in this package.
 */
class ValidationCodeCatalogTest {

  // Surefire runs with the module as working directory.
  private static final Path README = Path.of("README.md");
  private static final Path TESTS = Path.of("src/test/java/dev/agentplane/registry/validation");

  // The assertion helpers that take a code and a pointer (see ReportAssert).
  private static final Pattern ASSERTED_CODE =
      Pattern.compile(
          "\\b(?:hasError|hasWarning|hasOnlyError|issue)\\(\\s*(?:ValidationCode\\.)?([A-Z][A-Z0-9_]+)\\s*,");

  @Test
  void codesAreUniqueAndDotSeparatedKebabCase() {
    List<String> codes = Arrays.stream(ValidationCode.values()).map(ValidationCode::code).toList();
    assertThat(codes).doesNotHaveDuplicates();
    assertThat(codes).allMatch(code -> code.matches("[a-z]+(\\.[a-z]+(-[a-z]+)*)+"));
  }

  @Test
  void atLeastThirtyErrorCodesExist() {
    assertThat(ValidationCode.values())
        .filteredOn(code -> code.severity() == ValidationCode.Severity.ERROR)
        .hasSizeGreaterThanOrEqualTo(30);
  }

  @Test
  void everyCodeIsInTheReadmeTableWithItsSeverity() throws IOException {
    String readme = Files.readString(README);
    String section = readme.substring(readme.indexOf("## Validation codes"));
    for (ValidationCode code : ValidationCode.values()) {
      String severity = code.severity().name().toLowerCase();
      assertThat(section)
          .as("README row for %s", code.code())
          .containsPattern("\\| `" + Pattern.quote(code.code()) + "` \\| " + severity + " \\|");
    }
  }

  @Test
  void everyCodeIsAssertedWithItsPointerBySomeTest() throws IOException {
    Set<String> asserted = new HashSet<>();
    try (Stream<Path> files = Files.list(TESTS)) {
      for (Path file : files.filter(path -> path.toString().endsWith("Test.java")).toList()) {
        Matcher matcher = ASSERTED_CODE.matcher(Files.readString(file));
        while (matcher.find()) {
          asserted.add(matcher.group(1));
        }
      }
    }
    Set<String> unasserted =
        Arrays.stream(ValidationCode.values())
            .map(Enum::name)
            .filter(name -> !asserted.contains(name))
            .collect(Collectors.toSet());
    assertThat(unasserted).as("codes no test asserts with a pointer").isEmpty();
  }
}
