package dev.agentplane.registry;

import static dev.agentplane.registry.Specs.createBody;
import static dev.agentplane.registry.Specs.specBody;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The role matrix of ARCHITECTURE.md § Identity and tenancy as the registry implements it: viewer,
 * operator and approver read; builder also writes drafts, validates and promotes; only admin
 * archives and manages secrets; secret values go only to internal services.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RolesIT extends RegistryTestSupport {

  /** A tenant with a tool (v1 active, v2 draft), an agent using it (v1 active) and a secret. */
  private record Fixture(String tenant, JsonNode tool, JsonNode agent) {}

  private Fixture arrange() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    JsonNode tool = newResource(tenant, "tools", "echo", Specs.aTool());
    assertThat(api().post(versionOf("tools", tool, 1) + ":promote", builder, null).status())
        .isEqualTo(200);
    assertThat(
            api()
                .post(resourceOf("tools", tool) + "/versions", builder, specBody(Specs.aTool()))
                .status())
        .isEqualTo(201);
    JsonNode agent = newResource(tenant, "agents", "helper", Specs.anAssistant("echo"));
    assertThat(api().post(versionOf("agents", agent, 1) + ":promote", builder, null).status())
        .isEqualTo(200);
    assertThat(
            api()
                .put("/v1/secrets/API_KEY", user(tenant, "admin"), "{\"value\":\"v\"}", Map.of())
                .status())
        .isEqualTo(201);
    return new Fixture(tenant, tool, agent);
  }

  /** A user token of the tenant with the one role, or none when {@code role} is "none". */
  private String token(String tenant, String role) {
    return role.equals("none") ? tokens.user(tenant, "nobody") : user(tenant, role);
  }

  @ParameterizedTest(name = "{0} reads → {1}")
  @CsvSource({
    "viewer, 200",
    "operator, 200",
    "approver, 200",
    "builder, 200",
    "admin, 200",
    "none, 403"
  })
  void everyRoleOfTheTenantReadsButATokenWithoutARoleReadsNothing(String role, int expected) {
    Fixture f = arrange();
    String token = token(f.tenant(), role);

    SoftAssertions softly = new SoftAssertions();
    for (String path :
        new String[] {
          "/v1/tools",
          "/v1/agents",
          resourceOf("tools", f.tool()),
          versionOf("tools", f.tool(), 1),
          resourceOf("agents", f.agent()),
          versionOf("agents", f.agent(), 1),
          resourceOf("agents", f.agent()) + "/resolved",
          resourceOf("agents", f.agent()) + "/resolved?version=active&mode=production"
        }) {
      Reply reply = api().get(path, token);
      softly.assertThat(reply.status()).as("GET " + path + " → " + reply.raw()).isEqualTo(expected);
      if (expected == 403) {
        softly.assertThat(reply.problemSlug()).as(path).isEqualTo("forbidden");
      }
    }
    softly.assertAll();
  }

  @ParameterizedTest(name = "{0} writes drafts → {1}")
  @CsvSource({
    "viewer, false",
    "operator, false",
    "approver, false",
    "none, false",
    "builder, true",
    "admin, true"
  })
  void onlyBuildersAndAdminsCreateUpdateDraftValidateAndPromote(String role, boolean allowed) {
    Fixture f = arrange();
    String token = token(f.tenant(), role);
    String draft = versionOf("tools", f.tool(), 2);
    String etag = api().get(draft, user(f.tenant(), "viewer")).header("ETag").orElseThrow();

    Reply create = api().post("/v1/tools", token, createBody("another", Specs.aTool()));
    Reply update =
        api()
            .put(
                draft,
                token,
                specBody(Specs.aTool().put("description", "changed")),
                Map.of("If-Match", etag));
    Reply newVersion =
        api().post(resourceOf("tools", f.tool()) + "/versions", token, specBody(Specs.aTool()));
    Reply validate = api().post(draft + ":validate", token, null);
    Reply promote = api().post(draft + ":promote", token, null);

    if (allowed) {
      assertThat(create.status()).as(create.raw()).isEqualTo(201);
      assertThat(update.status()).as(update.raw()).isEqualTo(200);
      assertThat(newVersion.status()).as(newVersion.raw()).isEqualTo(201);
      assertThat(validate.status()).as(validate.raw()).isEqualTo(200);
      assertThat(promote.status()).as(promote.raw()).isEqualTo(200);
      return;
    }
    for (Reply refused : new Reply[] {create, update, newVersion, validate, promote}) {
      assertProblem(refused, 403, "forbidden");
    }
    String viewer = user(f.tenant(), "viewer");
    assertThat(api().get("/v1/tools", viewer).body().path("items").findValuesAsText("name"))
        .containsExactly("echo");
    JsonNode tool = api().get(resourceOf("tools", f.tool()), viewer).body();
    assertThat(tool.path("latestVersion").asInt()).isEqualTo(2);
    assertThat(tool.path("activeVersion").asInt()).isEqualTo(1);
    assertThat(api().get(draft, viewer).header("ETag")).contains(etag);
  }

  @ParameterizedTest(name = "{0} archives → {1}")
  @CsvSource({
    "viewer, 403",
    "operator, 403",
    "approver, 403",
    "builder, 403",
    "none, 403",
    "admin, 200"
  })
  void onlyAdminsArchiveVersionsAndResources(String role, int expected) {
    Fixture f = arrange();
    String token = token(f.tenant(), role);

    Reply version = api().post(versionOf("tools", f.tool(), 2) + ":archive", token, null);
    Reply resource = api().post(resourceOf("agents", f.agent()) + ":archive", token, null);

    assertThat(version.status()).as(version.raw()).isEqualTo(expected);
    assertThat(resource.status()).as(resource.raw()).isEqualTo(expected);
    if (expected == 403) {
      assertProblem(version, 403, "forbidden");
      assertProblem(resource, 403, "forbidden");
      String viewer = user(f.tenant(), "viewer");
      assertThat(api().get(versionOf("tools", f.tool(), 2), viewer).body().path("status").asText())
          .isEqualTo("draft");
      assertThat(
              api()
                  .get(resourceOf("agents", f.agent()), viewer)
                  .body()
                  .path("archivedAt")
                  .isTextual())
          .isFalse();
    }
  }

  @ParameterizedTest(name = "{0} manages secrets → {1}")
  @CsvSource({
    "viewer, false",
    "operator, false",
    "approver, false",
    "builder, false",
    "none, false",
    "admin, true"
  })
  void onlyAdminsListPutAndDeleteSecrets(String role, boolean allowed) {
    Fixture f = arrange();
    String token = token(f.tenant(), role);

    Reply list = api().get("/v1/secrets", token);
    Reply put = api().put("/v1/secrets/OTHER_KEY", token, "{\"value\":\"x\"}", Map.of());
    Reply delete = api().delete("/v1/secrets/API_KEY", token);

    if (allowed) {
      assertThat(list.status()).isEqualTo(200);
      assertThat(put.status()).isEqualTo(201);
      assertThat(delete.status()).isEqualTo(204);
      return;
    }
    assertProblem(list, 403, "forbidden");
    assertProblem(put, 403, "forbidden");
    assertProblem(delete, 403, "forbidden");
    assertThat(
            api()
                .get("/v1/secrets", user(f.tenant(), "admin"))
                .body()
                .path("items")
                .findValuesAsText("name"))
        .containsExactly("API_KEY");
  }

  @ParameterizedTest(name = "{0} resolves in debug mode → {1}")
  @CsvSource({
    "viewer, 403",
    "operator, 403",
    "approver, 403",
    "none, 403",
    "builder, 200",
    "admin, 200"
  })
  void debugResolutionNeedsABuilder(String role, int expected) {
    Fixture f = arrange();

    Reply reply =
        api()
            .get(resourceOf("agents", f.agent()) + "/resolved?mode=debug", token(f.tenant(), role));

    assertThat(reply.status()).as(reply.raw()).isEqualTo(expected);
    if (expected == 403) {
      assertProblem(reply, 403, "forbidden");
    } else {
      assertThat(reply.body().path("mode").asText()).isEqualTo("debug");
    }
  }

  @Test
  void anInternalServiceResolvesInBothModesWithoutAUserRole() {
    Fixture f = arrange();
    String internal = service(f.tenant(), "internal");
    String agent = resourceOf("agents", f.agent());

    Reply production = api().get(agent + "/resolved?mode=production", internal);
    Reply debug = api().get(agent + "/resolved?version=1&mode=debug", internal);

    assertThat(production.status()).as(production.raw()).isEqualTo(200);
    assertThat(production.body().path("mode").asText()).isEqualTo("production");
    assertThat(production.body().path("tools")).hasSize(1);
    assertThat(production.body().path("tools").get(0).path("name").asText()).isEqualTo("echo");
    assertThat(debug.status()).as(debug.raw()).isEqualTo(200);
    assertThat(debug.body().path("mode").asText()).isEqualTo("debug");
  }

  @Test
  void aServiceWithoutTheInternalRoleResolvesNothing() {
    Fixture f = arrange();
    String agent = resourceOf("agents", f.agent());

    assertProblem(api().get(agent + "/resolved?mode=debug", service(f.tenant())), 403, "forbidden");
    assertProblem(
        api().get(agent + "/resolved?mode=production", service(f.tenant())), 403, "forbidden");
  }

  @ParameterizedTest(name = "{0} reads a secret value → {1}")
  @CsvSource({
    "user admin, 403",
    "user builder, 403",
    "user internal, 403",
    "service admin, 403",
    "service none, 403",
    "service internal, 200"
  })
  void aSecretValueIsReleasedOnlyToAServiceWithTheInternalRole(String caller, int expected) {
    Fixture f = arrange();
    String[] parts = caller.split(" ");
    String role = parts[1];
    String token =
        parts[0].equals("user")
            ? token(f.tenant(), role)
            : role.equals("none") ? service(f.tenant()) : service(f.tenant(), role);

    Reply reply = api().get("/v1/secrets/API_KEY/value", token);

    assertThat(reply.status()).as(reply.raw()).isEqualTo(expected);
    if (expected == 403) {
      assertProblem(reply, 403, "forbidden");
      assertThat(reply.raw()).doesNotContain("\"v\"");
    } else {
      assertThat(reply.body().path("value").asText()).isEqualTo("v");
      assertThat(reply.header("Cache-Control")).contains("no-store");
    }
  }
}
