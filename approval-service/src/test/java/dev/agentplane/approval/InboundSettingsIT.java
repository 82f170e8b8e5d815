package dev.agentplane.approval;

import static dev.agentplane.approval.Approvals.anApproval;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@code agentplane.approval.inbound.*} knobs take effect: a public URL (with a path and a
 * trailing slash), a shorter timestamp tolerance, a rotation window of seconds that closes in real
 * time, a shorter maximum link validity, and the sweep forgetting used links once they expire.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InboundSettingsIT extends InboundTestSupport {

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new HashMap<>(super.getProperties());
    properties.put("agentplane.approval.inbound.public-url", "https://approvals.example.test/ap/");
    properties.put("agentplane.approval.inbound.timestamp-tolerance", "30s");
    properties.put("agentplane.approval.inbound.previous-secret-validity", "10s");
    properties.put("agentplane.approval.inbound.link-validity", "10m");
    properties.put("agentplane.approval.inbound.max-link-validity", "1h");
    properties.put("agentplane.approval.inbound.sweep-interval", "200ms");
    return properties;
  }

  @Test
  void linksStartWithThePublicUrlAndLastTheConfiguredTime() {
    String tenant = newTenant();
    inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());

    JsonNode links = links(tenant, request, "bob");

    String prefix = "https://approvals.example.test/ap/v1/webhooks/inbound/" + tenant + "/links/";
    assertThat(links.path("approve").asText()).startsWith(prefix);
    assertThat(links.path("reject").asText()).startsWith(prefix);
    assertThat(Instant.parse(links.path("expiresAt").asText()))
        .isBetween(Instant.now().plusSeconds(540), Instant.now().plusSeconds(600));
    Reply tooLong = mintLinks(tenant, request, linkBody("bob", "PT61M"));
    assertProblem(tooLong, 422, "validation-failed");
    assertThat(tooLong.errorPointers()).containsExactly("/validFor");
    assertThat(mintLinks(tenant, request, linkBody("bob", "PT1H")).status()).isEqualTo(201);
  }

  @Test
  void theTimestampToleranceIsConfigurable() {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());
    String body = decision(request, "alice", "approve").toString();

    assertProblem(
        send(tenant, InboundSigner.signedAt(secret, body, Instant.now().minusSeconds(60))),
        401,
        "stale-timestamp");
    assertUntouched(tenant, request);
    Reply recent =
        send(tenant, InboundSigner.signedAt(secret, body, Instant.now().minusSeconds(15)));
    assertThat(recent.status()).as(recent.raw()).isEqualTo(200);
  }

  @Test
  void theRotatedOutSecretStopsVerifyingWhenItsWindowCloses() {
    String tenant = newTenant();
    String old = inboundSecret(tenant);
    JsonNode rotation = rotateSecret(tenant);
    String current = rotation.path("secret").asText();
    assertThat(Instant.parse(rotation.path("previousValidUntil").asText()))
        .isEqualTo(Instant.parse(rotation.path("rotatedAt").asText()).plusSeconds(10));

    // A validly signed decision on a request that does not exist is a 404 that records nothing,
    // so it probes whether a secret still verifies without deciding anything.
    assertProblem(probe(tenant, old), 404, "not-found");

    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> probe(tenant, old).status() == 401);
    assertProblem(probe(tenant, old), 401, "invalid-signature");
    assertProblem(probe(tenant, current), 404, "not-found");
    assertThat(Instant.now())
        .isAfterOrEqualTo(Instant.parse(rotation.path("previousValidUntil").asText()));
    assertThat(
            api()
                .get("/v1/webhooks/inbound-secret", admin(tenant))
                .body()
                .has("previousValidUntil"))
        .isFalse();
    assertThat(inboundRows.messageChannels(tenant)).isEmpty();
  }

  @Test
  void theSweepForgetsUsedLinksOnceTheyHaveExpired() {
    String tenant = newTenant();
    inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval().requiring(2));
    Reply minted = mintLinks(tenant, request, linkBody("bob", "PT15S"));
    assertThat(minted.status()).as(minted.raw()).isEqualTo(201);
    String approveUrl = minted.body().path("approve").asText();

    assertThat(use(approveUrl, null).status()).isEqualTo(200);
    assertThat(inboundRows.messageChannels(tenant)).containsExactly("action_link");

    await()
        .atMost(Duration.ofSeconds(45))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> inboundRows.messageChannels(tenant).isEmpty());
    // Forgotten, yet it cannot be used again: it has expired.
    assertProblem(use(approveUrl, null), 401, "link-expired");
    assertThat(view(tenant, request).path("approvals").asInt()).isEqualTo(1);
  }

  private Reply probe(String tenant, String secret) {
    return sendSigned(tenant, secret, decision(UUID.randomUUID(), "alice", "approve").toString());
  }
}
