package dev.agentplane.registry;

import static dev.agentplane.registry.Specs.createBody;
import static dev.agentplane.registry.Specs.specBody;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Another tenant's objects do not exist for a caller: every endpoint answers 404 (never 403, never
 * a change) for ids and names of another tenant, even to that tenant's admins and services.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenancyIT extends RegistryTestSupport {

  /** Tenant A's agent, tool and secret, and everything A can read about them. */
  private record TenantA(
      String tenant, JsonNode tool, JsonNode agent, String secretName, String secretValue) {}

  private TenantA arrangeTenantA() {
    String tenant = newTenant();
    String builder = user(tenant, "builder");
    JsonNode tool = newResource(tenant, "tools", "echo", Specs.aTool());
    assertThat(api().post(versionOf("tools", tool, 1) + ":promote", builder, null).status())
        .isEqualTo(200);
    assertThat(
            api()
                .post(
                    resourceOf("tools", tool) + "/versions",
                    builder,
                    specBody(Specs.aTool().put("description", "v2")))
                .status())
        .isEqualTo(201);
    JsonNode agent = newResource(tenant, "agents", "helper", Specs.anAssistant("echo"));
    assertThat(api().post(versionOf("agents", agent, 1) + ":promote", builder, null).status())
        .isEqualTo(200);
    assertThat(
            api()
                .post(
                    resourceOf("agents", agent) + "/versions",
                    builder,
                    specBody(Specs.anAssistant("echo").put("instructions", "Be terse.")))
                .status())
        .isEqualTo(201);
    String secretValue = "sk-tenant-a-" + tenant;
    assertThat(
            api()
                .put(
                    "/v1/secrets/API_KEY",
                    user(tenant, "admin"),
                    "{\"value\":\"" + secretValue + "\"}",
                    Map.of())
                .status())
        .isEqualTo(201);
    return new TenantA(tenant, tool, agent, "API_KEY", secretValue);
  }

  /** Everything tenant A can observe about its data, to compare before and after. */
  private Map<String, String> snapshot(TenantA a) {
    String admin = user(a.tenant(), "admin");
    Map<String, String> seen = new LinkedHashMap<>();
    for (String path :
        List.of(
            resourceOf("tools", a.tool()),
            versionOf("tools", a.tool(), 1),
            versionOf("tools", a.tool(), 2),
            resourceOf("agents", a.agent()),
            versionOf("agents", a.agent(), 1),
            versionOf("agents", a.agent(), 2),
            "/v1/tools",
            "/v1/agents",
            "/v1/secrets")) {
      Reply reply = api().get(path, admin);
      assertThat(reply.status()).as(path + " " + reply.raw()).isEqualTo(200);
      seen.put(path, reply.body().toString() + " etag=" + reply.header("ETag").orElse(""));
    }
    return seen;
  }

  @Test
  void everyEndpointAnswersNotFoundForAnotherTenantsAgentsToolsAndSecretsAndChangesNothing() {
    TenantA a = arrangeTenantA();
    Map<String, String> before = snapshot(a);
    String tenantB = newTenant();
    String adminB = user(tenantB, "admin");
    String builderB = user(tenantB, "builder");
    String internalB = service(tenantB, "internal");
    newResource(tenantB, "tools", "other", Specs.aTool());

    List<Attempt> attempts = new ArrayList<>();
    for (String kind : List.of("tools", "agents")) {
      JsonNode v1 = kind.equals("tools") ? a.tool() : a.agent();
      JsonNode spec = kind.equals("tools") ? Specs.aTool() : Specs.anAssistant("echo");
      String draft = versionOf(kind, v1, 2);
      String etagOfA = api().get(draft, user(a.tenant(), "viewer")).header("ETag").orElseThrow();
      attempts.add(new Attempt("GET", resourceOf(kind, v1), adminB, null, Map.of()));
      attempts.add(new Attempt("GET", versionOf(kind, v1, 1), adminB, null, Map.of()));
      attempts.add(new Attempt("GET", draft, adminB, null, Map.of()));
      attempts.add(new Attempt("PUT", draft, adminB, specBody(spec), Map.of("If-Match", etagOfA)));
      attempts.add(
          new Attempt(
              "POST", resourceOf(kind, v1) + "/versions", adminB, specBody(spec), Map.of()));
      attempts.add(
          new Attempt(
              "POST", resourceOf(kind, v1) + "/versions", adminB, "{\"from\":1}", Map.of()));
      attempts.add(new Attempt("POST", draft + ":validate", adminB, null, Map.of()));
      attempts.add(new Attempt("POST", draft + ":promote", adminB, null, Map.of()));
      attempts.add(new Attempt("POST", draft + ":archive", adminB, null, Map.of()));
      attempts.add(
          new Attempt("POST", versionOf(kind, v1, 1) + ":archive", adminB, null, Map.of()));
      attempts.add(new Attempt("POST", resourceOf(kind, v1) + ":archive", adminB, null, Map.of()));
    }
    String agent = resourceOf("agents", a.agent());
    for (String token : List.of(builderB, adminB, internalB)) {
      attempts.add(new Attempt("GET", agent + "/resolved", token, null, Map.of()));
      attempts.add(
          new Attempt(
              "GET", agent + "/resolved?version=active&mode=production", token, null, Map.of()));
      attempts.add(
          new Attempt("GET", agent + "/resolved?version=2&mode=debug", token, null, Map.of()));
      attempts.add(
          new Attempt("GET", agent + "/resolved?version=1&mode=debug", token, null, Map.of()));
    }
    attempts.add(
        new Attempt("GET", "/v1/secrets/" + a.secretName() + "/value", internalB, null, Map.of()));
    attempts.add(new Attempt("DELETE", "/v1/secrets/" + a.secretName(), adminB, null, Map.of()));

    SoftAssertions softly = new SoftAssertions();
    for (Attempt attempt : attempts) {
      Reply reply = attempt.send(api());
      softly.assertThat(reply.status()).as(attempt + " → " + reply.raw()).isEqualTo(404);
      softly
          .assertThat(reply.contentType())
          .as(attempt + " → " + reply.raw())
          .isEqualTo("application/problem+json");
      softly
          .assertThat(reply.body().path("type").asText())
          .as(attempt + " → " + reply.raw())
          .endsWith("/not-found");
      softly.assertThat(reply.raw()).as(attempt.toString()).doesNotContain(a.secretValue());
    }
    softly.assertAll();

    assertThat(snapshot(a)).isEqualTo(before);
    Reply revealedToA = api().get("/v1/secrets/API_KEY/value", service(a.tenant(), "internal"));
    assertThat(revealedToA.status()).isEqualTo(200);
    assertThat(revealedToA.body().path("value").asText()).isEqualTo(a.secretValue());
  }

  @Test
  void theSameRequestsSucceedForTheOwningTenant() {
    // The control for the test above: the paths it used are routed and served, so its 404s come
    // from tenancy, not from a mistyped path.
    TenantA a = arrangeTenantA();
    String adminA = user(a.tenant(), "admin");
    String draft = versionOf("tools", a.tool(), 2);
    String etag = api().get(draft, adminA).header("ETag").orElseThrow();

    assertThat(api().get(resourceOf("tools", a.tool()), adminA).status()).isEqualTo(200);
    assertThat(api().put(draft, adminA, specBody(Specs.aTool()), Map.of("If-Match", etag)).status())
        .isEqualTo(200);
    assertThat(api().post(draft + ":validate", adminA, null).status()).isEqualTo(200);
    assertThat(api().get(resourceOf("agents", a.agent()) + "/resolved?mode=debug", adminA).status())
        .isEqualTo(200);
    assertThat(
            api()
                .get(
                    resourceOf("agents", a.agent()) + "/resolved?version=2&mode=debug",
                    service(a.tenant(), "internal"))
                .status())
        .isEqualTo(200);
    assertThat(api().post(draft + ":promote", adminA, null).status()).isEqualTo(200);
    assertThat(api().post(versionOf("agents", a.agent(), 2) + ":archive", adminA, null).status())
        .isEqualTo(200);
    assertThat(api().post(resourceOf("agents", a.agent()) + ":archive", adminA, null).status())
        .isEqualTo(200);
    assertThat(api().delete("/v1/secrets/API_KEY", adminA).status()).isEqualTo(204);
  }

  @Test
  void anotherTenantsResourcesAndSecretsNeverAppearInListings() {
    TenantA a = arrangeTenantA();
    String tenantB = newTenant();
    String adminB = user(tenantB, "admin");
    newResource(tenantB, "tools", "other", Specs.aTool());

    assertThat(api().get("/v1/tools", adminB).body().path("items").findValuesAsText("name"))
        .containsExactly("other");
    assertThat(api().get("/v1/tools?name=echo", adminB).body().path("items")).isEmpty();
    assertThat(api().get("/v1/tools?status=active", adminB).body().path("items")).isEmpty();
    assertThat(api().get("/v1/agents", adminB).body().path("items")).isEmpty();
    assertThat(api().get("/v1/agents?name=helper", adminB).body().path("items")).isEmpty();
    assertThat(api().get("/v1/secrets", adminB).body().path("items")).isEmpty();
    // Tenant A still sees its own.
    assertThat(
            api()
                .get("/v1/tools", user(a.tenant(), "viewer"))
                .body()
                .path("items")
                .findValuesAsText("name"))
        .containsExactly("echo");
  }

  @Test
  void aSecretOfTheSameNameInAnotherTenantIsThatTenantsOwn() {
    TenantA a = arrangeTenantA();
    String tenantB = newTenant();

    Reply putByB =
        api()
            .put(
                "/v1/secrets/" + a.secretName(),
                user(tenantB, "admin"),
                "{\"value\":\"b-value\"}",
                Map.of());

    assertThat(putByB.status()).as("new in B, not a replace of A's").isEqualTo(201);
    assertThat(
            api()
                .get("/v1/secrets/API_KEY/value", service(tenantB, "internal"))
                .body()
                .path("value")
                .asText())
        .isEqualTo("b-value");
    assertThat(
            api()
                .get("/v1/secrets/API_KEY/value", service(a.tenant(), "internal"))
                .body()
                .path("value")
                .asText())
        .isEqualTo(a.secretValue());
  }

  @Test
  void anIdThatIsNotAUuidIsNotFoundRatherThanABadRequest() {
    String tenant = newTenant();
    String admin = user(tenant, "admin");
    String spec = specBody(Specs.aTool());
    List<Attempt> attempts =
        List.of(
            new Attempt("GET", "/v1/tools/not-a-uuid", admin, null, Map.of()),
            new Attempt("GET", "/v1/agents/not-a-uuid", admin, null, Map.of()),
            new Attempt("GET", "/v1/tools/not-a-uuid/versions/1", admin, null, Map.of()),
            new Attempt(
                "PUT", "/v1/tools/not-a-uuid/versions/1", admin, spec, Map.of("If-Match", "\"x\"")),
            new Attempt("POST", "/v1/tools/not-a-uuid/versions", admin, spec, Map.of()),
            new Attempt("POST", "/v1/tools/not-a-uuid/versions/1:validate", admin, null, Map.of()),
            new Attempt("POST", "/v1/tools/not-a-uuid/versions/1:promote", admin, null, Map.of()),
            new Attempt("POST", "/v1/tools/not-a-uuid/versions/1:archive", admin, null, Map.of()),
            new Attempt("POST", "/v1/tools/not-a-uuid:archive", admin, null, Map.of()),
            new Attempt("GET", "/v1/agents/not-a-uuid/resolved", admin, null, Map.of()),
            new Attempt(
                "GET",
                "/v1/agents/not-a-uuid/resolved?mode=debug",
                service(tenant, "internal"),
                null,
                Map.of()));

    SoftAssertions softly = new SoftAssertions();
    for (Attempt attempt : attempts) {
      Reply reply = attempt.send(api());
      softly.assertThat(reply.status()).as(attempt + " → " + reply.raw()).isEqualTo(404);
      softly
          .assertThat(reply.body().path("type").asText())
          .as(attempt + " → " + reply.raw())
          .endsWith("/not-found");
    }
    softly.assertAll();
  }

  @Test
  void aResourceCreatedInOneTenantCanBeNamedTheSameInAnother() {
    String tenantA = newTenant();
    String tenantB = newTenant();
    newResource(tenantA, "tools", "echo", Specs.aTool());

    Reply inB =
        api().post("/v1/tools", user(tenantB, "builder"), createBody("echo", Specs.aTool()));

    assertThat(inB.status()).as(inB.raw()).isEqualTo(201);
  }

  /** One request, described for failure messages. */
  private record Attempt(
      String method, String path, String token, String body, Map<String, String> headers) {

    Reply send(ServiceApi api) {
      return api.send(method, path, token, body, headers);
    }

    @Override
    public String toString() {
      return method + " " + path + (body == null ? "" : " " + body);
    }
  }
}
