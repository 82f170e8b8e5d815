package dev.agentplane.approval.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.approval.SqlReads;
import dev.agentplane.approval.request.ApprovalNotice;
import dev.agentplane.kit.tenancy.TenantScope;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The subscriptions API: the secret shown once and sealed at rest, updates, admins only, other
 * tenants' webhooks invisible, bad input named by pointer, and URLs that would reach the platform's
 * own network refused.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookApiIT extends WebhookTestSupport {

  /** A tenant whose operator allowlisted one private host for it alone. */
  private static final String INTRANET_TENANT = "t-intranet-" + UUID.randomUUID();

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new HashMap<>(super.getProperties());
    properties.put(
        "agentplane.approval.webhooks.tenants." + INTRANET_TENANT + ".allowed-hosts", "10.20.0.5");
    return properties;
  }

  @Test
  void creatingShowsTheSecretOnceAndItIsSealedAtRest() {
    String tenant = newTenant();

    Reply created =
        api()
            .post(
                "/v1/webhooks",
                admin(tenant),
                "{\"url\": \"http://127.0.0.1:9/hooks\", \"eventTypes\": [\"approval.decided\","
                    + " \"approval.requested\", \"approval.decided\"], \"description\": \"ops\"}");

    assertThat(created.status()).as(created.raw()).isEqualTo(201);
    JsonNode body = created.body();
    String id = body.path("id").asText();
    String secret = body.path("secret").asText();
    assertThat(secret).startsWith("whsec_");
    assertThat(Base64.getDecoder().decode(secret.substring("whsec_".length()))).hasSize(32);
    assertThat(created.header("Location")).contains("/v1/webhooks/" + id);
    assertThat(created.header("Cache-Control")).contains("no-store");
    // Deduplicated, in the order given.
    assertThat(body.path("eventTypes")).hasSize(2);
    assertThat(body.path("eventTypes").get(0).asText()).isEqualTo("approval.decided");
    assertThat(body.path("eventTypes").get(1).asText()).isEqualTo("approval.requested");
    assertThat(body.path("enabled").asBoolean()).isTrue();
    assertThat(body.path("description").asText()).isEqualTo("ops");

    Reply fetched = api().get("/v1/webhooks/" + id, admin(tenant));
    Reply listed = api().get("/v1/webhooks", admin(tenant));
    assertThat(fetched.status()).isEqualTo(200);
    assertThat(fetched.body().has("secret")).isFalse();
    assertThat(fetched.body().path("url").asText()).isEqualTo("http://127.0.0.1:9/hooks");
    assertThat(listed.body().path("items").findValuesAsText("id")).containsExactly(id);
    for (Reply reply : List.of(fetched, listed)) {
      assertThat(reply.raw()).doesNotContain(secret).doesNotContain(secret.substring(6));
    }
    byte[] stored = storedCiphertext(tenant, UUID.fromString(id));
    assertThat(new String(stored, StandardCharsets.ISO_8859_1))
        .doesNotContain(secret)
        .doesNotContain(secret.substring(6));
    assertThat(stored).hasSize(secret.length() + 16); // AES-GCM: plaintext + 16-byte tag
  }

  @Test
  void anUpdateChangesOnlyWhatItNamesAndNullClearsTheDescription() {
    String tenant = newTenant();
    JsonNode created = subscribe(tenant, "http://127.0.0.1:9/a", ApprovalNotice.TYPE_DECIDED);
    String path = "/v1/webhooks/" + created.path("id").asText();
    api().patch(path, admin(tenant), "{\"description\": \"first\"}");

    Reply types =
        api()
            .patch(
                path,
                admin(tenant),
                "{\"eventTypes\": [\"approval.expired\", \"approval.cancelled\"]}");
    Reply cleared = api().patch(path, admin(tenant), "{\"description\": null}");
    Reply moved = api().patch(path, admin(tenant), "{\"url\": \"http://localhost:9/b\"}");

    assertThat(types.status()).as(types.raw()).isEqualTo(200);
    assertThat(types.body().path("description").asText()).isEqualTo("first");
    assertThat(types.body().path("eventTypes").get(0).asText()).isEqualTo("approval.expired");
    assertThat(cleared.body().has("description")).isFalse();
    assertThat(cleared.body().path("eventTypes")).hasSize(2);
    assertThat(moved.body().path("url").asText()).isEqualTo("http://localhost:9/b");
    assertThat(moved.body().path("eventTypes")).hasSize(2);
    assertThat(moved.body().has("secret")).isFalse();
  }

  @Test
  void theListPagesInCreationOrderWithACursor() {
    String tenant = newTenant();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(
          subscribe(tenant, "http://127.0.0.1:9/" + i, ApprovalNotice.TYPE_DECIDED)
              .path("id")
              .asText());
    }

    Reply first = api().get("/v1/webhooks?limit=2", admin(tenant));
    Reply second =
        api()
            .get(
                "/v1/webhooks?limit=2&cursor=" + first.body().path("nextCursor").asText(),
                admin(tenant));

    assertThat(first.body().path("items").findValuesAsText("id"))
        .containsExactly(ids.get(0), ids.get(1));
    assertThat(second.body().path("items").findValuesAsText("id")).containsExactly(ids.get(2));
    assertThat(second.body().has("nextCursor")).isFalse();
    assertProblem(api().get("/v1/webhooks?limit=0", admin(tenant)), 400, "invalid-request");
    assertProblem(
        api().get("/v1/webhooks?cursor=not-a-cursor", admin(tenant)), 400, "invalid-request");
  }

  @Test
  void aDeletedWebhookIsGoneWithItsDeliveries() {
    String tenant = newTenant();
    JsonNode created = subscribe(tenant, "http://127.0.0.1:9/a", ApprovalNotice.TYPE_DECIDED);
    String path = "/v1/webhooks/" + created.path("id").asText();

    Reply deleted = api().delete(path, admin(tenant));

    assertThat(deleted.status()).isEqualTo(204);
    assertProblem(api().get(path, admin(tenant)), 404, "not-found");
    assertProblem(api().get(path + "/deliveries", admin(tenant)), 404, "not-found");
    assertProblem(api().delete(path, admin(tenant)), 404, "not-found");
    assertThat(api().get("/v1/webhooks", admin(tenant)).body().path("items")).isEmpty();
  }

  @Test
  void aRedeliveryForADisabledWebhookIsAConflict() {
    String tenant = newTenant();
    JsonNode created = subscribe(tenant, "http://127.0.0.1:9/a", ApprovalNotice.TYPE_DECIDED);
    String path = "/v1/webhooks/" + created.path("id").asText();
    publish(notice(tenant, ApprovalNotice.TYPE_DECIDED));
    String deliveryId = deliveries(tenant, created.path("id").asText()).get(0).path("id").asText();
    api().patch(path, admin(tenant), "{\"enabled\": false}");

    Reply redeliver =
        api().post(path + "/deliveries/" + deliveryId + "/redeliver", admin(tenant), null);

    assertProblem(redeliver, 409, "conflict");
  }

  @ParameterizedTest
  @ValueSource(strings = {"viewer", "builder", "operator", "approver"})
  void everyEndpointIsForAdminsOnly(String role) {
    String tenant = newTenant();
    JsonNode webhook = subscribe(tenant, "http://127.0.0.1:9/a", ApprovalNotice.TYPE_DECIDED);
    publish(notice(tenant, ApprovalNotice.TYPE_DECIDED));
    String deliveryId = deliveries(tenant, webhook.path("id").asText()).get(0).path("id").asText();
    String user = tokens.user(tenant, "bob", role);
    String service = tokens.service(tenant, "svc", role, "internal");

    for (String token : List.of(user, service)) {
      for (Reply reply : everyEndpoint(token, webhook.path("id").asText(), deliveryId)) {
        assertProblem(reply, 403, "forbidden");
      }
    }
    assertThat(api().get("/v1/webhooks/" + webhook.path("id").asText(), admin(tenant)).status())
        .isEqualTo(200);
  }

  @Test
  void anotherTenantsWebhookIsNotFoundOnEveryEndpointAndStaysUnchanged() {
    String tenant = newTenant();
    JsonNode webhook = subscribe(tenant, "http://127.0.0.1:9/a", ApprovalNotice.TYPE_DECIDED);
    String id = webhook.path("id").asText();
    publish(notice(tenant, ApprovalNotice.TYPE_DECIDED));
    String deliveryId = deliveries(tenant, id).get(0).path("id").asText();
    String intruder = admin(newTenant());

    List<Reply> replies = everyEndpoint(intruder, id, deliveryId);

    assertThat(replies).hasSize(7);
    replies.forEach(reply -> assertProblem(reply, 404, "not-found"));
    replies.forEach(reply -> assertThat(reply.raw()).doesNotContain("127.0.0.1"));
    Reply still = api().get("/v1/webhooks/" + id, admin(tenant));
    assertThat(still.status()).isEqualTo(200);
    JsonNode after = still.body();
    assertThat(after.path("enabled").asBoolean()).isTrue();
    assertThat(after.path("description").isMissingNode()).isTrue();
    assertThat(after.has("previousSecretExpiresAt")).isFalse();
  }

  @Test
  void withoutATokenEveryEndpointIsUnauthorized() {
    for (Reply reply :
        everyEndpoint(null, UUID.randomUUID().toString(), UUID.randomUUID().toString())) {
      assertThat(reply.status()).as(reply.raw()).isEqualTo(401);
    }
  }

  @Test
  void unknownOrMalformedIdsAreNotFound() {
    String tenant = newTenant();
    JsonNode webhook = subscribe(tenant, "http://127.0.0.1:9/a", ApprovalNotice.TYPE_DECIDED);
    String id = webhook.path("id").asText();

    assertProblem(api().get("/v1/webhooks/not-a-uuid", admin(tenant)), 404, "not-found");
    assertProblem(
        api().get("/v1/webhooks/" + id + "/deliveries/" + UUID.randomUUID(), admin(tenant)),
        404,
        "not-found");
    assertProblem(
        api().post("/v1/webhooks/" + id + "/deliveries/nope/redeliver", admin(tenant), null),
        404,
        "not-found");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"url\": |''",
        "[] |''",
        "{\"eventTypes\": [\"approval.decided\"]} |/url",
        "{\"url\": 42, \"eventTypes\": [\"approval.decided\"]} |/url",
        "{\"url\": \"http://127.0.0.1:9/\"} |/eventTypes",
        "{\"url\": \"http://127.0.0.1:9/\", \"eventTypes\": \"approval.decided\"} |/eventTypes",
        "{\"url\": \"http://127.0.0.1:9/\", \"eventTypes\": [\"approval.decided\", 7]} |/eventTypes/1",
        "{\"url\": \"http://127.0.0.1:9/\", \"eventTypes\": [\"approval.decided\"], \"enabled\": \"yes\"} |/enabled",
        "{\"url\": \"http://127.0.0.1:9/\", \"eventTypes\": [\"approval.decided\"], \"description\": 5} |/description",
        "{\"url\": \"http://127.0.0.1:9/\", \"eventTypes\": [\"approval.decided\"], \"secret\": \"whsec_x\"} |/secret"
      })
  void anUnreadableBodyIsABadRequestNamingTheField(String body, String pointer) {
    String tenant = newTenant();

    Reply reply = api().post("/v1/webhooks", admin(tenant), body);

    assertThat(reply.status()).as(reply.raw()).isEqualTo(400);
    assertThat(reply.contentType()).isEqualTo("application/problem+json");
    assertThat(reply.errorPointers()).as(reply.raw()).containsExactly(pointer);
    assertThat(api().get("/v1/webhooks", admin(tenant)).body().path("items")).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"url\": \"http://127.0.0.1:9/\", \"eventTypes\": [\"approval.decided\", \"run.finished\"]} |/eventTypes/1|unknown_event_type",
        "{\"url\": \"http://127.0.0.1:9/\", \"eventTypes\": []} |/eventTypes|required",
        "{\"url\": \"ftp://127.0.0.1/\", \"eventTypes\": [\"approval.decided\"]} |/url|url_not_allowed",
        "{\"url\": \"/relative\", \"eventTypes\": [\"approval.decided\"]} |/url|url_not_allowed",
        "{\"url\": \"http://user:pw@127.0.0.1:9/\", \"eventTypes\": [\"approval.decided\"]} |/url|url_not_allowed",
        "{\"url\": \"http://127.0.0.1:9/ x\", \"eventTypes\": [\"approval.decided\"]} |/url|url_not_allowed"
      })
  void aWellFormedButInvalidSubscriptionIsUnprocessableNamingTheField(
      String body, String pointer, String code) {
    String tenant = newTenant();

    Reply reply = api().post("/v1/webhooks", admin(tenant), body);

    assertProblem(reply, 422, "validation-failed");
    assertThat(reply.errorPointers()).as(reply.raw()).containsExactly(pointer);
    assertThat(reply.errorCodes()).containsExactly(code);
    assertThat(api().get("/v1/webhooks", admin(tenant)).body().path("items")).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"previousSecretValidity\": \"-PT1S\"} |422|/previousSecretValidity|out_of_range",
        "{\"previousSecretValidity\": \"P8D\"} |422|/previousSecretValidity|out_of_range",
        "{\"previousSecretValidity\": \"an hour\"} |400|/previousSecretValidity|invalid_format",
        "{\"previousSecretValidity\": 3600} |400|/previousSecretValidity|wrong_type",
        "{\"overlap\": \"PT1H\"} |400|/overlap|unknown_property",
        "[] |400|''|not_an_object"
      })
  void aRotationAskingForABadOverlapIsRefusedNamingTheFieldAndKeepsTheSecret(
      String body, int status, String pointer, String code) {
    String tenant = newTenant();
    JsonNode webhook = subscribe(tenant, "http://127.0.0.1:9/hooks", ApprovalNotice.TYPE_DECIDED);
    String path = "/v1/webhooks/" + webhook.path("id").asText();

    Reply reply = api().post(path + "/rotate-secret", admin(tenant), body);

    assertThat(reply.status()).as(reply.raw()).isEqualTo(status);
    assertThat(reply.contentType()).isEqualTo("application/problem+json");
    assertThat(reply.errorPointers()).as(reply.raw()).containsExactly(pointer);
    assertThat(reply.errorCodes()).as(reply.raw()).containsExactly(code);
    JsonNode after = api().get(path, admin(tenant)).body();
    assertThat(after.path("updatedAt").asText()).isEqualTo(webhook.path("updatedAt").asText());
    assertThat(after.has("previousSecretExpiresAt")).isFalse();
  }

  @Test
  void aDescriptionLongerThan500CharactersIsUnprocessable() {
    String tenant = newTenant();
    String body =
        ServiceApi.JSON
            .createObjectNode()
            .put("url", "http://127.0.0.1:9/")
            .put("description", "d".repeat(501))
            .set("eventTypes", ServiceApi.JSON.createArrayNode().add(ApprovalNotice.TYPE_DECIDED))
            .toString();

    Reply reply = api().post("/v1/webhooks", admin(tenant), body);

    assertProblem(reply, 422, "validation-failed");
    assertThat(reply.errorPointers()).containsExactly("/description");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.2:8080/hooks",
        "http://[::1]:8080/hooks",
        "http://0.0.0.0/",
        "http://10.0.0.5/hooks",
        "http://172.16.3.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
        "http://metadata.google.internal/",
        "http://[::ffff:10.0.0.1]/"
      })
  void aUrlReachingThePlatformsOwnNetworkIsRefusedNamingUrl(String url) {
    String tenant = newTenant();

    Reply reply =
        api().post("/v1/webhooks", admin(tenant), subscriptionBody(url, "approval.decided"));

    assertProblem(reply, 422, "validation-failed");
    assertThat(reply.errorPointers()).as(reply.raw()).containsExactly("/url");
    assertThat(reply.body().path("errors").get(0).path("message").asText()).contains("allowlist");
  }

  @Test
  void aPrivateHostAllowlistedForOneTenantIsAcceptedForItAloneAndOnUpdateToo() {
    String url = "http://10.20.0.5/hooks";

    Reply own =
        api()
            .post(
                "/v1/webhooks", admin(INTRANET_TENANT), subscriptionBody(url, "approval.decided"));
    Reply other =
        api().post("/v1/webhooks", admin(newTenant()), subscriptionBody(url, "approval.decided"));
    Reply moved =
        api()
            .patch(
                "/v1/webhooks/" + own.body().path("id").asText(),
                admin(INTRANET_TENANT),
                "{\"url\": \"http://10.20.0.6/hooks\"}");

    assertThat(own.status()).as(own.raw()).isEqualTo(201);
    assertProblem(other, 422, "validation-failed");
    assertProblem(moved, 422, "validation-failed");
    assertThat(moved.errorPointers()).containsExactly("/url");
  }

  /** One request to every webhook endpoint, as the token's holder. */
  private List<Reply> everyEndpoint(String token, String webhookId, String deliveryId) {
    String path = "/v1/webhooks/" + webhookId;
    String body = subscriptionBody("http://127.0.0.1:9/x", "approval.decided");
    return List.of(
            api().post("/v1/webhooks", token, body),
            api().get("/v1/webhooks", token),
            api().get(path, token),
            api().patch(path, token, "{\"enabled\": false}"),
            api().post(path + "/rotate-secret", token, null),
            api().get(path + "/deliveries", token),
            api().get(path + "/deliveries/" + deliveryId, token),
            api().post(path + "/deliveries/" + deliveryId + "/redeliver", token, null),
            api().delete(path, token))
        .stream()
        // Creating and listing name no webhook: another tenant's admin may do both in its own.
        .filter(reply -> token == null || !isOwnTenantSuccess(reply))
        .toList();
  }

  private static boolean isOwnTenantSuccess(Reply reply) {
    return reply.status() == 201 || (reply.status() == 200 && reply.body().has("items"));
  }

  private byte[] storedCiphertext(String tenant, UUID webhookId) {
    return TenantScope.call(
        tenant,
        () ->
            SqlReads.single(
                transactions,
                "SELECT secret_ciphertext FROM webhook_subscription WHERE id = ?",
                row -> row.getBytes(1),
                webhookId));
  }
}
