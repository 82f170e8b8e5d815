package dev.agentplane.registry.validation;

import static dev.agentplane.registry.validation.AgentSpecBuilder.anAgent;
import static dev.agentplane.registry.validation.InMemoryRegistry.TENANT;
import static dev.agentplane.registry.validation.InMemoryRegistry.aRegistry;
import static dev.agentplane.registry.validation.Json.json;
import static dev.agentplane.registry.validation.ReportAssert.assertThatReport;
import static dev.agentplane.registry.validation.ToolSpecBuilder.aTool;
import static dev.agentplane.registry.validation.ValidationCode.*;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Tool rules beyond shape: type blocks, user schemas, risk, builtin, MCP and agent tools. */
class ToolSpecValidationTest {

  private final SpecValidator validator = new SpecValidator();
  private final InMemoryRegistry registry = aRegistry().withSecret(ToolSpecBuilder.SECRET);

  private ValidationReport validate(JsonNode spec) {
    return validator.validateTool(TENANT, spec, ValidationPurpose.PROMOTION, registry);
  }

  @Test
  void anHttpToolWithoutItsHttpBlockIsMissingItsTypeBlock() {
    assertThatReport(validate(aTool().without("/http").build()))
        .hasOnlyError(TOOL_TYPE_BLOCK_MISSING, "/http");
  }

  @Test
  void anHttpToolThatAlsoHasABuiltinBlockHasAnUnexpectedTypeBlock() {
    assertThatReport(validate(aTool().set("/builtin", json("{'name': 'echo'}")).build()))
        .hasOnlyError(TOOL_TYPE_BLOCK_UNEXPECTED, "/builtin");
  }

  @Test
  void aBuiltinToolWithAnHttpBlockHasAnUnexpectedTypeBlock() {
    JsonNode spec =
        aTool()
            .builtin("echo")
            .set("/http", json("{'method': 'GET', 'url': 'https://x.example/'}"))
            .build();
    assertThatReport(validate(spec)).hasOnlyError(TOOL_TYPE_BLOCK_UNEXPECTED, "/http");
  }

  @Test
  void anInputSchemaThatBreaksTheMetaSchemaIsAnInvalidSchemaAtTheOffendingKeyword() {
    JsonNode schema =
        json("{'type': 'object', 'properties': {'city': {'type': 'string', 'minLength': 'two'}}}");
    assertThatReport(
            validate(aTool().url("https://api.weather.example/v1").inputSchema(schema).build()))
        .hasOnlyError(SCHEMA_INVALID, "/inputSchema/properties/city/minLength");
  }

  @Test
  void anInputSchemaWhoseReferenceDoesNotResolveDoesNotCompile() {
    JsonNode schema =
        json("{'type': 'object', 'properties': {'city': {'$ref': '#/$defs/city'}, 'units': {}}}");
    assertThatReport(validate(aTool().inputSchema(schema).build()))
        .hasOnlyError(SCHEMA_INVALID, "/inputSchema");
  }

  @Test
  void anInputSchemaForAnotherDraftIsInvalid() {
    JsonNode schema =
        json(
            "{'$schema': 'http://json-schema.org/draft-07/schema#', 'type': 'object',"
                + " 'properties': {'city': {}, 'units': {}}}");
    assertThatReport(validate(aTool().inputSchema(schema).build()))
        .hasOnlyError(SCHEMA_INVALID, "/inputSchema/$schema");
  }

  @Test
  void anInputSchemaThatReferencesAUrlIsRefusedBeforeAnythingFetchesIt() {
    JsonNode schema =
        json(
            "{'type': 'object', 'properties': {'units': {},"
                + " 'city': {'$ref': 'http://169.254.169.254/latest/meta-data'}}}");
    assertThatReport(validate(aTool().inputSchema(schema).build()))
        .hasOnlyError(SCHEMA_EXTERNAL_REFERENCE, "/inputSchema/properties/city/$ref");
  }

  @Test
  void anApprovalSchemaThatBreaksTheMetaSchemaIsAnInvalidSchema() {
    JsonNode approval = json("{'properties': {'amount': {'exclusiveMinimum': 'lots'}}}");
    assertThatReport(validate(aTool().approval(approval).build()))
        .hasOnlyError(SCHEMA_INVALID, "/approval/properties/amount/exclusiveMinimum");
  }

  @Test
  void anInputSchemaForAStringDoesNotDescribeAnObject() {
    assertThatReport(
            validate(
                aTool()
                    .url("https://api.weather.example/v1")
                    .without("/http/headers")
                    .inputSchema(json("{'type': 'string'}"))
                    .build()))
        .hasOnlyError(TOOL_INPUT_SCHEMA_NOT_OBJECT, "/inputSchema/type");
  }

  @Test
  void anInputSchemaWithoutATypeDoesNotSayItDescribesAnObject() {
    assertThatReport(validate(aTool().without("/inputSchema/type").build()))
        .hasOnlyError(TOOL_INPUT_SCHEMA_NOT_OBJECT, "/inputSchema");
  }

  @Test
  void aHighRiskToolThatNeverAsksForApprovalIsRefused() {
    assertThatReport(validate(aTool().highRisk().approval("never").build()))
        .hasOnlyError(TOOL_HIGH_RISK_WITHOUT_APPROVAL, "/approval");
  }

  @Test
  void aHighRiskToolWithAnApprovalSchemaIsAccepted() {
    JsonNode approval = json("{'properties': {'units': {'const': 'imperial'}}}");
    assertThatReport(validate(aTool().highRisk().approval(approval).build())).hasNoErrors();
  }

  @Test
  void aBuiltinToolFromTheCatalogIsAccepted() {
    assertThatReport(validate(aTool().builtin("calculator").build())).hasNoErrors();
  }

  @Test
  void aBuiltinToolNotInTheCatalogIsUnknown() {
    assertThatReport(validate(aTool().builtin("teleport").build()))
        .hasOnlyError(TOOL_BUILTIN_UNKNOWN, "/builtin/name");
  }

  @Test
  void anMcpToolOnAPublicServerIsAccepted() {
    assertThatReport(validate(aTool().mcp("https://mcp.search.example/sse").build())).hasNoErrors();
  }

  @Test
  void anMcpToolWhoseServerUrlIsNotAbsoluteHasAnInvalidUrl() {
    assertThatReport(validate(aTool().mcp("mcp.search.example/sse").build()))
        .hasOnlyError(TOOL_MCP_URL_INVALID, "/mcp/serverUrl");
  }

  @Test
  void anMcpToolWithAPlaceholderInItsServerUrlHasAnInvalidUrl() {
    assertThatReport(validate(aTool().mcp("https://{region}.search.example/sse").build()))
        .hasOnlyError(TOOL_MCP_URL_INVALID, "/mcp/serverUrl");
  }

  @Test
  void anMcpToolOnAPrivateAddressIsNotAllowed() {
    assertThatReport(validate(aTool().mcp("http://10.1.2.3:8080/mcp").build()))
        .hasOnlyError(TOOL_MCP_HOST_NOT_ALLOWED, "/mcp/serverUrl");
  }

  @Test
  void anMcpToolOnAPrivateAddressTheTenantAllowlistedIsAccepted() {
    registry.allowingHost("10.1.2.3");
    assertThatReport(validate(aTool().mcp("http://10.1.2.3:8080/mcp").build())).hasNoErrors();
  }

  @Test
  void anMcpToolWhoseAuthSecretTheTenantLacksIsRefused() {
    assertThatReport(
            validate(
                aTool()
                    .mcp("https://mcp.search.example/sse")
                    .set("/mcp/authSecret", "SEARCH_KEY")
                    .build()))
        .hasOnlyError(SECRET_NOT_FOUND, "/mcp/authSecret");
  }

  @Test
  void anAgentToolCallingAnAgentOfTheTenantIsAccepted() {
    registry.withAgent("researcher", anAgent().build());
    assertThatReport(validate(aTool().callingAgent("researcher").build())).hasNoErrors();
  }

  @Test
  void anAgentToolCallingAnAgentTheTenantDoesNotHaveIsRefused() {
    assertThatReport(validate(aTool().callingAgent("researcher").build()))
        .hasOnlyError(TOOL_AGENT_NOT_FOUND, "/agent/name");
  }

  @Test
  void anAgentToolCallingAnotherTenantsAgentIsNotFound() {
    registry.withAgent("researcher", anAgent().build());
    ValidationReport report =
        validator.validateTool(
            "other-tenant",
            aTool().callingAgent("researcher").build(),
            ValidationPurpose.CHECK,
            registry);
    assertThatReport(report).hasOnlyError(TOOL_AGENT_NOT_FOUND, "/agent/name");
  }
}
