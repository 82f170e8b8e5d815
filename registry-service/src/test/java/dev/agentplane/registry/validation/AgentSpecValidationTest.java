package dev.agentplane.registry.validation;

import static dev.agentplane.registry.validation.AgentSpecBuilder.anAgent;
import static dev.agentplane.registry.validation.InMemoryRegistry.TENANT;
import static dev.agentplane.registry.validation.InMemoryRegistry.aRegistry;
import static dev.agentplane.registry.validation.Json.json;
import static dev.agentplane.registry.validation.ReportAssert.assertThatReport;
import static dev.agentplane.registry.validation.ToolSpecBuilder.aTool;
import static dev.agentplane.registry.validation.ValidationCode.*;
import static dev.agentplane.registry.version.VersionStatus.ACTIVE;
import static dev.agentplane.registry.version.VersionStatus.ARCHIVED;
import static dev.agentplane.registry.version.VersionStatus.DRAFT;
import static dev.agentplane.registry.version.VersionStatus.PENDING_APPROVAL;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Agent rules beyond shape: model, instructions, tool references, policy and overrides. */
class AgentSpecValidationTest {

  private final SpecValidator validator = new SpecValidator();
  private final InMemoryRegistry registry =
      aRegistry()
          .withSecret("OPENAI_KEY")
          .withActiveTool("weather", aTool().build())
          .withActiveTool("wire-money", aTool().post().highRisk().build())
          .withAgent("researcher", anAgent().build())
          .withActiveTool("ask-researcher", aTool().callingAgent("researcher").build());

  private ValidationReport check(JsonNode spec) {
    return validator.validateAgent(TENANT, "forecaster", spec, ValidationPurpose.CHECK, registry);
  }

  private ValidationReport promote(JsonNode spec) {
    return validator.validateAgent(
        TENANT, "forecaster", spec, ValidationPurpose.PROMOTION, registry);
  }

  @Test
  void aFullyValidOrchestratorOnOpenAiIsPromotable() {
    JsonNode spec =
        anAgent()
            .orchestrator()
            .openai()
            .set("/model/apiKeySecret", "OPENAI_KEY")
            .set("/model/baseUrl", "https://api.openai.com/v1")
            .set("/model/temperature", 0.2)
            .set("/model/maxTokens", 1024)
            .usingTool("weather", 1)
            .usingTool("ask-researcher", "active")
            .usingTool("wire-money", "active")
            .set(
                "/inputSchema", json("{'type': 'object', 'properties': {'q': {'type': 'string'}}}"))
            .set("/outputSchema", json("{'type': 'string'}"))
            .policy("maxSteps", 50)
            .policy("timeoutSeconds", 600)
            .policy("tokenBudget", 200_000)
            .toolApproval("weather", "always")
            .toolApproval("wire-money", json("{'properties': {'amount': {'minimum': 100}}}"))
            .build();
    assertThatReport(promote(spec)).hasNoErrors().hasNoWarnings();
  }

  @Test
  void anAssistantWithBlankInstructionsIsRefused() {
    assertThatReport(check(anAgent().set("/instructions", "  \n ").build()))
        .hasOnlyError(AGENT_INSTRUCTIONS_EMPTY, "/instructions");
  }

  @Test
  void anAssistantWithoutInstructionsIsRefused() {
    assertThatReport(check(anAgent().without("/instructions").build()))
        .hasOnlyError(AGENT_INSTRUCTIONS_EMPTY, "/instructions");
  }

  @Test
  void anOrchestratorMayDoWithoutInstructions() {
    assertThatReport(
            check(
                anAgent().orchestrator().without("/instructions").usingTool("weather", 1).build()))
        .hasNoErrors();
  }

  @Test
  void aBuiltinModelOutsideTheCatalogIsUnknown() {
    assertThatReport(check(anAgent().set("/model/name", "gpt-4o").build()))
        .hasOnlyError(AGENT_MODEL_UNKNOWN_BUILTIN, "/model/name");
  }

  @Test
  void anOpenAiModelWithoutAnApiKeySecretIsRefused() {
    assertThatReport(check(anAgent().openai().build()))
        .hasOnlyError(AGENT_MODEL_API_KEY_SECRET_REQUIRED, "/model/apiKeySecret");
  }

  @Test
  void anOpenAiModelWhoseApiKeySecretTheTenantLacksIsRefused() {
    assertThatReport(check(anAgent().openai().set("/model/apiKeySecret", "OTHER_KEY").build()))
        .hasOnlyError(SECRET_NOT_FOUND, "/model/apiKeySecret");
  }

  @Test
  void aBuiltinModelWithABaseUrlIsRefused() {
    assertThatReport(check(anAgent().set("/model/baseUrl", "https://llm.example/v1").build()))
        .hasOnlyError(AGENT_MODEL_BASE_URL_UNEXPECTED, "/model/baseUrl");
  }

  @Test
  void anOpenAiBaseUrlThatIsNotAnAbsoluteHttpUrlIsInvalid() {
    JsonNode spec =
        anAgent()
            .openai()
            .set("/model/apiKeySecret", "OPENAI_KEY")
            .set("/model/baseUrl", "llm.example/v1")
            .build();
    assertThatReport(check(spec)).hasOnlyError(AGENT_MODEL_BASE_URL_INVALID, "/model/baseUrl");
  }

  @Test
  void anOpenAiBaseUrlOnAPrivateHostIsNotAllowedUnlessAllowlisted() {
    JsonNode spec =
        anAgent()
            .openai()
            .set("/model/apiKeySecret", "OPENAI_KEY")
            .set("/model/baseUrl", "http://192.168.10.20:11434/v1")
            .build();
    assertThatReport(check(spec)).hasOnlyError(AGENT_MODEL_HOST_NOT_ALLOWED, "/model/baseUrl");

    registry.allowingHost("192.168.10.20");
    assertThatReport(check(spec)).hasNoErrors();
  }

  @Test
  void aToolTheTenantDoesNotHaveIsNotFound() {
    assertThatReport(check(anAgent().usingTool("horoscope", "active").build()))
        .hasOnlyError(AGENT_TOOL_NOT_FOUND, "/tools/0/name");
  }

  @Test
  void aToolOfAnotherTenantIsNotFound() {
    ValidationReport report =
        validator.validateAgent(
            "other-tenant",
            "forecaster",
            anAgent().usingTool("weather", 1).build(),
            ValidationPurpose.CHECK,
            registry);
    assertThatReport(report).hasOnlyError(AGENT_TOOL_NOT_FOUND, "/tools/0/name");
  }

  @Test
  void aToolVersionThatDoesNotExistIsNotFound() {
    assertThatReport(check(anAgent().usingTool("weather", 7).build()))
        .hasOnlyError(AGENT_TOOL_VERSION_NOT_FOUND, "/tools/0/version");
  }

  @Test
  void anArchivedToolVersionIsRefusedEvenForACheck() {
    registry.withTool("weather", 2, ARCHIVED, aTool().build());
    assertThatReport(check(anAgent().usingTool("weather", 2).build()))
        .hasOnlyError(AGENT_TOOL_ARCHIVED, "/tools/0/version");
    assertThatReport(promote(anAgent().usingTool("weather", 2).build()))
        .hasOnlyError(AGENT_TOOL_ARCHIVED, "/tools/0/version");
  }

  @Test
  void aDraftToolVersionIsFineForACheckButNotForPromotion() {
    registry.withTool("weather", 2, DRAFT, aTool().build());
    assertThatReport(check(anAgent().usingTool("weather", 2).build())).hasNoErrors();
    assertThatReport(promote(anAgent().usingTool("weather", 2).build()))
        .hasOnlyError(AGENT_TOOL_NOT_ACTIVE, "/tools/0/version");
  }

  @Test
  void aToolVersionPendingApprovalIsNotActiveForPromotion() {
    registry.withTool("weather", 2, PENDING_APPROVAL, aTool().build());
    assertThatReport(promote(anAgent().usingTool("weather", 2).build()))
        .hasOnlyError(AGENT_TOOL_NOT_ACTIVE, "/tools/0/version");
  }

  @Test
  void followingTheActiveVersionOfAToolWithoutOneBlocksPromotion() {
    registry.withTool("forecast", 1, DRAFT, aTool().build());
    assertThatReport(promote(anAgent().usingTool("forecast", "active").build()))
        .hasOnlyError(AGENT_TOOL_NOT_ACTIVE, "/tools/0/version");
  }

  @Test
  void followingTheActiveVersionOfAToolWithoutOneIsOnlyAWarningForACheck() {
    registry.withTool("forecast", 1, DRAFT, aTool().build());
    assertThatReport(check(anAgent().usingTool("forecast", "active").build()))
        .hasNoErrors()
        .hasWarning(AGENT_TOOL_NO_ACTIVE_VERSION, "/tools/0/version");
  }

  @Test
  void theSameToolReferencedTwiceIsADuplicate() {
    registry.withTool("weather", 2, ACTIVE, aTool().build());
    assertThatReport(
            check(anAgent().usingTool("weather", 1).usingTool("weather", "active").build()))
        .hasOnlyError(AGENT_TOOL_DUPLICATE, "/tools/1/name")
        .errorMessageAt("/tools/1/name", "/tools/0");
  }

  @Test
  void anAssistantMayNotCallAnAgentTool() {
    assertThatReport(check(anAgent().usingTool("ask-researcher", 1).build()))
        .hasOnlyError(AGENT_TOOL_AGENT_TOOL_REQUIRES_ORCHESTRATOR, "/tools/0");
  }

  @Test
  void anOrchestratorWithoutToolsIsOnlyAWarning() {
    assertThatReport(check(anAgent().orchestrator().build()))
        .hasNoErrors()
        .hasWarning(AGENT_ORCHESTRATOR_NO_TOOLS, "/tools");
    assertThatReport(check(anAgent().orchestrator().without("/tools").build()))
        .hasNoErrors()
        .hasWarning(AGENT_ORCHESTRATOR_NO_TOOLS, "/tools");
  }

  @Test
  void policyValuesAtTheTenantsCeilingsAreAccepted() {
    registry.withCeilings(10, 60, 1000);
    JsonNode spec =
        anAgent()
            .policy("maxSteps", 10)
            .policy("timeoutSeconds", 60)
            .policy("tokenBudget", 1000)
            .build();
    assertThatReport(check(spec)).hasNoErrors();
  }

  @Test
  void maxStepsAboveTheTenantsCeilingIsRefused() {
    registry.withCeilings(10, 60, 1000);
    assertThatReport(check(anAgent().policy("maxSteps", 11).build()))
        .hasOnlyError(AGENT_POLICY_MAX_STEPS_EXCEEDED, "/policy/maxSteps");
  }

  @Test
  void aTimeoutAboveTheTenantsCeilingIsRefused() {
    registry.withCeilings(10, 60, 1000);
    assertThatReport(check(anAgent().policy("timeoutSeconds", 61).build()))
        .hasOnlyError(AGENT_POLICY_TIMEOUT_EXCEEDED, "/policy/timeoutSeconds");
  }

  @Test
  void aTokenBudgetAboveTheTenantsCeilingIsRefusedHoweverLarge() {
    registry.withCeilings(10, 60, 1000);
    assertThatReport(check(anAgent().policy("tokenBudget", json("1e30")).build()))
        .hasOnlyError(AGENT_POLICY_TOKEN_BUDGET_EXCEEDED, "/policy/tokenBudget");
    assertThatReport(
            check(anAgent().policy("tokenBudget", json("123456789012345678901234567890")).build()))
        .hasOnlyError(AGENT_POLICY_TOKEN_BUDGET_EXCEEDED, "/policy/tokenBudget");
  }

  @Test
  void anApprovalOverrideForAToolTheAgentDoesNotUseIsRefused() {
    assertThatReport(
            check(anAgent().usingTool("weather", 1).toolApproval("wire-money", "always").build()))
        .hasOnlyError(AGENT_POLICY_UNKNOWN_TOOL_OVERRIDE, "/policy/toolApproval/wire-money");
  }

  @Test
  void anApprovalOverrideNameNeedingEscapesGetsAnEscapedPointer() {
    assertThatReport(check(anAgent().toolApproval("a/b~c", "always").build()))
        .hasOnlyError(AGENT_POLICY_UNKNOWN_TOOL_OVERRIDE, "/policy/toolApproval/a~1b~0c");
  }

  @Test
  void anApprovalOverrideSchemaThatDoesNotCompileIsInvalid() {
    JsonNode spec =
        anAgent()
            .usingTool("weather", 1)
            .toolApproval("weather", json("{'required': 'city'}"))
            .build();
    assertThatReport(check(spec))
        .hasOnlyError(SCHEMA_INVALID, "/policy/toolApproval/weather/required");
  }

  @Test
  void anOverrideThatWaivesApprovalForAHighRiskToolIsRefusedAtTheOverride() {
    JsonNode spec =
        anAgent().usingTool("wire-money", "active").toolApproval("wire-money", "never").build();
    assertThatReport(check(spec))
        .hasOnlyError(TOOL_HIGH_RISK_WITHOUT_APPROVAL, "/policy/toolApproval/wire-money");
  }

  @Test
  void anOverrideMayWaiveApprovalForALowRiskTool() {
    JsonNode spec = anAgent().usingTool("weather", 1).toolApproval("weather", "never").build();
    assertThatReport(check(spec)).hasNoErrors();
  }

  @Test
  void anInvalidOutputSchemaIsAnInvalidSchema() {
    assertThatReport(check(anAgent().set("/outputSchema", json("{'type': 42}")).build()))
        .hasOnlyError(SCHEMA_INVALID, "/outputSchema/type");
  }
}
