package dev.agentplane.registry.validation;

import static dev.agentplane.registry.validation.AgentSpecBuilder.anAgent;
import static dev.agentplane.registry.validation.InMemoryRegistry.TENANT;
import static dev.agentplane.registry.validation.InMemoryRegistry.aRegistry;
import static dev.agentplane.registry.validation.Json.json;
import static dev.agentplane.registry.validation.ReportAssert.assertThatReport;
import static dev.agentplane.registry.validation.ReportAssert.issue;
import static dev.agentplane.registry.validation.ToolSpecBuilder.aTool;
import static dev.agentplane.registry.validation.ValidationCode.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** The shape of both spec formats, mapped from their JSON Schemas to spec.* codes. */
class SpecShapeValidationTest {

  private final SpecValidator validator = new SpecValidator();
  private final InMemoryRegistry registry = aRegistry().withSecret(ToolSpecBuilder.SECRET);

  private ValidationReport validateTool(JsonNode spec) {
    return validator.validateTool(TENANT, spec, ValidationPurpose.CHECK, registry);
  }

  private ValidationReport validateAgent(JsonNode spec) {
    return validator.validateAgent(TENANT, "forecaster", spec, ValidationPurpose.CHECK, registry);
  }

  @Test
  void aFullyValidToolHasNoIssues() {
    assertThatReport(validateTool(aTool().build())).hasNoErrors().hasNoWarnings();
  }

  @Test
  void aFullyValidAgentHasNoIssues() {
    assertThatReport(validateAgent(anAgent().build())).hasNoErrors().hasNoWarnings();
  }

  @Test
  void aSpecThatIsAnArrayIsNotAnObject() {
    assertThatReport(validateTool(json("[1, 2, 3]"))).hasOnlyError(SPEC_NOT_AN_OBJECT, "");
    assertThatReport(validateAgent(json("[]"))).hasOnlyError(SPEC_NOT_AN_OBJECT, "");
  }

  @Test
  void aMissingRequiredFieldIsReportedAtTheField() {
    assertThatReport(validateTool(aTool().without("/risk").build()))
        .hasOnlyError(SPEC_MISSING_FIELD, "/risk");
    assertThatReport(validateAgent(anAgent().without("/model/name").build()))
        .hasOnlyError(SPEC_MISSING_FIELD, "/model/name");
  }

  @Test
  void aFieldOfTheWrongTypeIsReportedAtTheField() {
    assertThatReport(validateTool(aTool().set("/http/timeoutMs", "soon").build()))
        .hasOnlyError(SPEC_WRONG_TYPE, "/http/timeoutMs");
  }

  @Test
  void anUnknownFieldIsReportedAtTheField() {
    assertThatReport(validateTool(aTool().set("/http/retries", 3).build()))
        .hasOnlyError(SPEC_UNKNOWN_FIELD, "/http/retries");
    assertThatReport(validateAgent(anAgent().set("/policy/max_steps", 3).build()))
        .hasOnlyError(SPEC_UNKNOWN_FIELD, "/policy/max_steps");
  }

  @Test
  void anUnknownFieldWhoseNameNeedsEscapingGetsAnEscapedPointer() {
    assertThatReport(validateTool(aTool().set("/http/a~1b~0c", 1).build()))
        .hasOnlyError(SPEC_UNKNOWN_FIELD, "/http/a~1b~0c");
  }

  @Test
  void aValueOutsideItsEnumerationIsInvalid() {
    assertThatReport(validateTool(aTool().set("/http/method", "TRACE").build()))
        .hasOnlyError(SPEC_INVALID_VALUE, "/http/method");
    assertThatReport(validateTool(aTool().approval("sometimes").build()))
        .hasOnlyError(SPEC_INVALID_VALUE, "/approval");
  }

  @Test
  void aNumberOrLengthOutsideItsBoundsIsOutOfRange() {
    assertThatReport(validateTool(aTool().set("/http/timeoutMs", 120_001).build()))
        .hasOnlyError(SPEC_OUT_OF_RANGE, "/http/timeoutMs");
    assertThatReport(validateTool(aTool().set("/description", "").build()))
        .hasOnlyError(SPEC_OUT_OF_RANGE, "/description");
    assertThatReport(validateAgent(anAgent().set("/model/temperature", 2.5).build()))
        .hasOnlyError(SPEC_OUT_OF_RANGE, "/model/temperature");
  }

  @Test
  void aToolVersionOfZeroIsOutOfRangeAndAnyOtherWordThanActiveIsInvalid() {
    assertThatReport(validateAgent(anAgent().usingTool("weather", 0).build()))
        .hasOnlyError(SPEC_OUT_OF_RANGE, "/tools/0/version");
    assertThatReport(validateAgent(anAgent().usingTool("weather", "latest").build()))
        .hasOnlyError(SPEC_INVALID_VALUE, "/tools/0/version");
  }

  @Test
  void aNameThatIsNotASlugHasAnInvalidFormat() {
    assertThatReport(validateAgent(anAgent().usingTool("Weather_Tool", 1).build()))
        .hasOnlyError(SPEC_INVALID_FORMAT, "/tools/0/name");
  }

  @Test
  void aSecretNameThatIsNotUpperSnakeCaseHasAnInvalidFormat() {
    assertThatReport(
            validateAgent(anAgent().openai().set("/model/apiKeySecret", "openai-key").build()))
        .hasOnlyError(SPEC_INVALID_FORMAT, "/model/apiKeySecret");
  }

  @Test
  void aSpecNestedDeeperThanTheLimitIsRefusedWithoutWalkingIt() {
    JsonNode deep = json("{'type': 'object'}");
    for (int i = 0; i < 200; i++) {
      deep = Json.object().set("not", deep);
    }
    JsonNode spec = aTool().inputSchema(deep).build();
    // The root is depth 0 and /inputSchema depth 1, so the 64th "not" is the first too deep.
    String firstTooDeep = "/inputSchema" + "/not".repeat(SpecShape.MAX_DEPTH);

    assertThatReport(validateTool(spec)).hasOnlyError(SPEC_TOO_DEEP, firstTooDeep);
  }

  @Test
  void reportsListErrorsByPointerWithIndexesInNumericOrderThenByCode() {
    AgentSpecBuilder agent = anAgent();
    for (int i = 0; i < 12; i++) {
      agent.usingTool("tool-" + i, "latest");
    }
    JsonNode spec = agent.set("/kind", "boss").without("/description").build();

    ValidationReport report = validateAgent(spec);

    assertThat(report.errors())
        .extracting(ValidationIssue::pointer)
        .containsExactly(
            "/description",
            "/kind",
            "/tools/0/version",
            "/tools/1/version",
            "/tools/2/version",
            "/tools/3/version",
            "/tools/4/version",
            "/tools/5/version",
            "/tools/6/version",
            "/tools/7/version",
            "/tools/8/version",
            "/tools/9/version",
            "/tools/10/version",
            "/tools/11/version");
    assertThat(validateAgent(spec)).isEqualTo(report);
  }

  @Test
  void oneFieldWithTwoProblemsIsReportedOncePerCodeInCodeOrder() {
    JsonNode spec = aTool().set("/http/trace", true).without("/http/method").build();

    assertThatReport(validateTool(spec))
        .hasOnlyErrors(
            issue(SPEC_MISSING_FIELD, "/http/method"), issue(SPEC_UNKNOWN_FIELD, "/http/trace"));
  }
}
