package dev.agentplane.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The pipeline behind {@code :validate} and {@code :promote}, with what it looks up (tools,
 * secrets, tenant ceilings) read from the real database.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ValidationEndpointIT extends RegistryTestSupport {

  @Test
  void validateReportsEachProblemWithPointerAndCodeAndChangesNothing() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    ObjectNode spec = Specs.aHighRiskHttpTool().put("approval", "never");
    ((ObjectNode) spec.get("http")).put("url", "http://169.254.169.254/{missing}/latest");
    JsonNode tool = newResource(tenant, "tools", "refund", spec);

    Reply report = api().post(versionOf("tools", tool, 1) + ":validate", builder, null);

    assertThat(report.status()).as(report.raw()).isEqualTo(200);
    assertThat(report.body().path("valid").asBoolean()).isFalse();
    assertThat(report.body().path("errors").findValuesAsText("code"))
        .contains(
            "tool.http.host-not-allowed",
            "tool.http.placeholder-undeclared",
            "tool.high-risk-without-approval");
    assertThat(report.body().path("errors").findValuesAsText("pointer")).contains("/http/url");
    assertThat(api().get(versionOf("tools", tool, 1), builder).body().path("status").asText())
        .isEqualTo("draft");
  }

  @Test
  void promotingAnInvalidVersionIs422WithTheReportAndLeavesItADraft() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    ObjectNode spec = Specs.aTool();
    spec.putObject("http").put("method", "GET");
    JsonNode tool = newResource(tenant, "tools", "echo", spec);

    Reply promotion = api().post(versionOf("tools", tool, 1) + ":promote", builder, null);

    assertProblem(promotion, 422, "validation-failed");
    assertThat(promotion.errorCodes()).contains("tool.type-block-unexpected");
    assertThat(promotion.errorPointers()).contains("/http");
    assertThat(api().get(versionOf("tools", tool, 1), builder).body().path("status").asText())
        .isEqualTo("draft");
  }

  @Test
  void aReferencedSecretMustExistInTheTenant() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    ObjectNode spec = Specs.aHighRiskHttpTool();
    ((ObjectNode) spec.get("http"))
        .putObject("headers")
        .put("Authorization", "Bearer {{secret:PAYMENTS_TOKEN}}");
    JsonNode tool = newResource(tenant, "tools", "refund", spec);
    String validate = versionOf("tools", tool, 1) + ":validate";

    assertThat(api().post(validate, builder, null).body().path("errors").findValuesAsText("code"))
        .containsExactly("secret.not-found");

    api()
        .put(
            "/v1/secrets/PAYMENTS_TOKEN",
            user(tenant, "admin"),
            "{\"value\":\"s3cr3t-value\"}",
            java.util.Map.of());
    JsonNode valid = api().post(validate, builder, null).body();
    assertThat(valid.path("valid").asBoolean()).isTrue();
    assertThat(valid.path("errors").isArray()).as(valid.toString()).isTrue();
    assertThat(valid.path("errors")).isEmpty();
    assertThat(valid.path("warnings").isArray()).as(valid.toString()).isTrue();
  }

  @Test
  void promotionNeedsEveryReferencedToolActiveWhileValidateOnlyWarns() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    JsonNode tool = newResource(tenant, "tools", "echo", Specs.aTool());
    JsonNode agent = newResource(tenant, "agents", "helper", Specs.anAssistant("echo"));

    Reply check = api().post(versionOf("agents", agent, 1) + ":validate", builder, null);
    assertThat(check.body().path("valid").asBoolean()).isTrue();
    assertThat(check.body().path("warnings").findValuesAsText("code"))
        .contains("agent.tool.no-active-version");

    Reply promotion = api().post(versionOf("agents", agent, 1) + ":promote", builder, null);
    assertProblem(promotion, 422, "validation-failed");
    assertThat(promotion.errorCodes()).containsExactly("agent.tool.not-active");
    assertThat(promotion.errorPointers()).containsExactly("/tools/0/version");

    api().post(versionOf("tools", tool, 1) + ":promote", builder, null);
    assertThat(api().post(versionOf("agents", agent, 1) + ":promote", builder, null).status())
        .isEqualTo(200);
  }

  @Test
  void anAgentPolicyAboveTheTenantCeilingIsRefused() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    ObjectNode spec = Specs.anAssistant();
    spec.putObject("policy").put("maxSteps", 10_000);
    JsonNode agent = newResource(tenant, "agents", "helper", spec);

    Reply report = api().post(versionOf("agents", agent, 1) + ":validate", builder, null);

    assertThat(report.body().path("errors").findValuesAsText("code"))
        .containsExactly("agent.policy.max-steps-exceeded");
    assertThat(report.body().path("errors").findValuesAsText("pointer"))
        .containsExactly("/policy/maxSteps");
  }
}
