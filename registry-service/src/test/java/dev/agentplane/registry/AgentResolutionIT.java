package dev.agentplane.registry;

import static dev.agentplane.registry.Specs.createBody;
import static dev.agentplane.registry.Specs.specBody;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentResolutionIT extends RegistryTestSupport {

  @Test
  void productionResolvesTheActiveAgentWithEveryToolPinnedToAVersion() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    JsonNode echo = activeTool(tenant, "echo");
    JsonNode search = activeTool(tenant, "search");
    ObjectNode spec = Specs.anAssistant("echo");
    spec.withArray("tools").addObject().put("name", "search").put("version", 1);
    JsonNode agent = create(tenant, "agents", "helper", spec);
    promote(builder, "agents", agent, 1);
    // Activating search v2 after the agent went live archives the v1 it pins.
    api()
        .post(
            toolPath(search) + "/versions",
            builder,
            specBody(Specs.aTool().put("description", "v2")));
    promote(builder, "tools", search, 2);
    String service = tokens.service(tenant, "execution-service", "internal");

    Reply resolved =
        api().get("/v1/agents/" + agent.path("resourceId").asText() + "/resolved", service);

    // Pinned to an archived version: production refuses it, naming the reference.
    assertThat(resolved.status()).as(resolved.raw()).isEqualTo(409);
    assertThat(resolved.errorPointers()).containsExactly("/tools/1");
    assertThat(resolved.body().path("errors").get(0).path("message").asText())
        .contains("search@1", "archived");

    JsonNode v2 = newVersion(builder, agent, Specs.anAssistant("echo", "search"));
    promote(builder, "agents", agent, 2);
    JsonNode body =
        api()
            .get(
                "/v1/agents/" + agent.path("resourceId").asText() + "/resolved?version=active",
                service)
            .body();
    assertThat(body.path("mode").asText()).isEqualTo("production");
    assertThat(body.path("agent").path("version").asInt()).isEqualTo(v2.path("version").asInt());
    assertThat(body.path("agent").path("specHash").asText())
        .isEqualTo(v2.path("specHash").asText());
    assertThat(body.path("tools").findValuesAsText("reference"))
        .containsExactly("echo@active", "search@active");
    assertThat(body.path("tools").get(0).path("name").asText()).isEqualTo("echo");
    assertThat(body.path("tools").get(1).path("name").asText()).isEqualTo("search");
    assertThat(body.path("tools").get(0).path("version").asInt()).isEqualTo(1);
    assertThat(body.path("tools").get(1).path("version").asInt()).isEqualTo(2);
    assertThat(body.path("tools").get(1).path("spec").path("description").asText()).isEqualTo("v2");
    assertThat(body.path("tools").findValuesAsText("status")).containsOnly("active");
    assertThat(echo.path("specHash").asText())
        .isEqualTo(body.path("tools").get(0).path("specHash").asText());

    // By name, the same answer in one call; another tenant's name finds nothing.
    Reply byName = api().get("/v1/agents/helper/resolved?version=active", service);
    assertThat(byName.status()).as(byName.raw()).isEqualTo(200);
    assertThat(byName.body()).isEqualTo(body);
    Reply elsewhere =
        api()
            .get(
                "/v1/agents/helper/resolved",
                tokens.service(newTenant(), "execution-service", "internal"));
    assertThat(elsewhere.status()).as(elsewhere.raw()).isEqualTo(404);
  }

  @Test
  void productionRefusesDraftsAndDebugRunsThem() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    create(tenant, "tools", "echo", Specs.aTool());
    JsonNode agent = create(tenant, "agents", "helper", Specs.anAssistant("echo"));
    String resolved = "/v1/agents/" + agent.path("resourceId").asText() + "/resolved";

    Reply noActive = api().get(resolved, builder);
    assertThat(noActive.status()).isEqualTo(409);
    assertThat(noActive.problemSlug()).isEqualTo("no-active-version");
    Reply draftInProduction = api().get(resolved + "?version=1&mode=production", builder);
    assertThat(draftInProduction.status()).isEqualTo(409);
    assertThat(draftInProduction.problemSlug()).isEqualTo("version-not-runnable");

    Reply debug = api().get(resolved + "?version=1&mode=debug", builder);
    assertThat(debug.status()).as(debug.raw()).isEqualTo(200);
    assertThat(debug.body().path("mode").asText()).isEqualTo("debug");
    assertThat(debug.body().path("agent").path("status").asText()).isEqualTo("draft");
    assertThat(debug.body().path("tools").get(0).path("status").asText()).isEqualTo("draft");
    assertThat(debug.body().path("tools").get(0).path("reference").asText())
        .isEqualTo("echo@active");
  }

  @Test
  void debugSeesADraftsLatestEditNeverAStaleCachedSpec() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    create(tenant, "tools", "echo", Specs.aTool());
    JsonNode agent = create(tenant, "agents", "helper", Specs.anAssistant("echo"));
    String resolved =
        "/v1/agents/" + agent.path("resourceId").asText() + "/resolved?version=1&mode=debug";
    assertThat(
            api()
                .get(resolved, builder)
                .body()
                .path("agent")
                .path("spec")
                .path("instructions")
                .asText())
        .isEqualTo("Be brief.");
    String path = "/v1/agents/" + agent.path("resourceId").asText() + "/versions/1";
    String etag = api().get(path, builder).header("ETag").orElseThrow();

    api()
        .put(
            path,
            builder,
            specBody(Specs.anAssistant("echo").put("instructions", "Be thorough.")),
            Map.of("If-Match", etag));

    JsonNode after = api().get(resolved, builder).body().path("agent");
    assertThat(after.path("spec").path("instructions").asText()).isEqualTo("Be thorough.");
  }

  @Test
  void unknownModesAndVersionsAreClearErrors() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    JsonNode agent = create(tenant, "agents", "helper", Specs.anAssistant());
    String resolved = "/v1/agents/" + agent.path("resourceId").asText() + "/resolved";

    Reply badMode = api().get(resolved + "?mode=staging", builder);
    assertThat(badMode.status()).isEqualTo(400);
    assertThat(badMode.errorPointers()).containsExactly("/mode");
    Reply badVersion = api().get(resolved + "?version=latest", builder);
    assertThat(badVersion.status()).isEqualTo(400);
    assertThat(badVersion.errorPointers()).containsExactly("/version");
    assertThat(api().get(resolved + "?version=9&mode=debug", builder).status()).isEqualTo(404);
  }

  private JsonNode activeTool(String tenant, String name) {
    JsonNode tool = create(tenant, "tools", name, Specs.aTool());
    promote(user(tenant, "builder"), "tools", tool, 1);
    return tool;
  }

  private JsonNode create(String tenant, String kind, String name, JsonNode spec) {
    Reply created = api().post("/v1/" + kind, user(tenant, "builder"), createBody(name, spec));
    assertThat(created.status()).as(created.raw()).isEqualTo(201);
    return created.body();
  }

  private JsonNode newVersion(String builder, JsonNode agent, JsonNode spec) {
    Reply created =
        api()
            .post(
                "/v1/agents/" + agent.path("resourceId").asText() + "/versions",
                builder,
                specBody(spec));
    assertThat(created.status()).as(created.raw()).isEqualTo(201);
    return created.body();
  }

  private void promote(String builder, String kind, JsonNode version, int number) {
    Reply promoted =
        api()
            .post(
                "/v1/"
                    + kind
                    + "/"
                    + version.path("resourceId").asText()
                    + "/versions/"
                    + number
                    + ":promote",
                builder,
                null);
    assertThat(promoted.status()).as(promoted.raw()).isEqualTo(200);
    assertThat(promoted.body().path("outcome").asText()).isEqualTo("activated");
  }

  private static String toolPath(JsonNode tool) {
    return "/v1/tools/" + tool.path("resourceId").asText();
  }
}
