package dev.agentplane.approval.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.approval.request.ApprovalNotice;
import dev.agentplane.kit.tenancy.TenantScope;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Outbound deliveries end to end: notices published in a transaction, real receivers on loopback,
 * signatures checked by an independent Standard Webhooks verifier, retries, 410, timeouts,
 * rotation, filtering, rollback and restart.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookDeliveryIT extends WebhookTestSupport {

  private static final Duration DEADLINE = Duration.ofSeconds(20);

  @Inject WebhookDispatcher dispatcher;

  @Test
  void aSubscribedReceiverGetsTheNoticeSignedSoThatItsSecretVerifies() throws Exception {
    String tenant = newTenant();
    try (Receiver receiver = Receiver.start()) {
      JsonNode webhook = subscribe(tenant, receiver.url("/hooks"), ApprovalNotice.TYPE_REQUESTED);
      String secret = webhook.path("secret").asText();
      ApprovalNotice notice = notice(tenant, ApprovalNotice.TYPE_REQUESTED);
      Instant before = Instant.now().minusSeconds(1);

      publish(notice);

      await().atMost(DEADLINE).until(() -> receiver.received().size() == 1);
      Receiver.Received message = receiver.received().getFirst();
      assertThat(message.header("webhook-id")).isEqualTo(notice.noticeId().toString());
      assertThat(Instant.ofEpochSecond(Long.parseLong(message.header("webhook-timestamp"))))
          .isBetween(before.minusSeconds(1), Instant.now());
      assertThat(message.header("content-type")).isEqualTo("application/json");
      assertThat(IndependentVerifier.verifies(message, secret)).isTrue();
      assertThat(IndependentVerifier.verifies(message, "whsec_" + "A".repeat(44))).isFalse();
      JsonNode body = ServiceApi.JSON.readTree(new String(message.body(), StandardCharsets.UTF_8));
      assertThat(body.path("type").asText()).isEqualTo(ApprovalNotice.TYPE_REQUESTED);
      assertThat(Instant.parse(body.path("timestamp").asText())).isEqualTo(notice.occurredAt());
      assertThat(body.path("data")).isEqualTo(notice.data());
      await()
          .atMost(DEADLINE)
          .untilAsserted(
              () -> {
                JsonNode delivery = deliveries(tenant, webhook.path("id").asText()).get(0);
                assertThat(delivery.path("status").asText()).isEqualTo("succeeded");
                assertThat(delivery.path("messageId").asText())
                    .isEqualTo(notice.noticeId().toString());
                assertThat(delivery.path("attempts")).hasSize(1);
                assertThat(delivery.path("attempts").get(0).path("statusCode").asInt())
                    .isEqualTo(204);
                assertThat(delivery.path("attempts").get(0).has("latencyMs")).isTrue();
              });
    }
  }

  @Test
  void aReceiverFailingWith500IsRetriedUntilItAnswers200AndEveryAttemptIsLogged() {
    String tenant = newTenant();
    try (Receiver receiver =
        Receiver.start()
            .thenReply(Receiver.Reply.status(500), Receiver.Reply.status(500))
            .byDefault(Receiver.Reply.status(200))) {
      JsonNode webhook = subscribe(tenant, receiver.url("/hooks"), ApprovalNotice.TYPE_DECIDED);
      ApprovalNotice notice = notice(tenant, ApprovalNotice.TYPE_DECIDED);

      publish(notice);

      JsonNode delivery = awaitStatus(tenant, webhook, "succeeded");
      assertThat(delivery.path("attempts").findValuesAsText("statusCode"))
          .containsExactly("500", "500", "200");
      assertThat(delivery.path("attempts").findValuesAsText("attempt"))
          .containsExactly("1", "2", "3");
      delivery
          .path("attempts")
          .forEach(attempt -> assertThat(attempt.path("latencyMs").asLong()).isNotNegative());
      assertThat(receiver.received())
          .hasSize(3)
          .allSatisfy(
              message -> {
                assertThat(message.header("webhook-id")).isEqualTo(notice.noticeId().toString());
                assertThat(IndependentVerifier.verifies(message, webhook.path("secret").asText()))
                    .isTrue();
              });
    }
  }

  @Test
  void aDeliveryFailsAfterItsLastAttemptAndARedeliveryTriesOnceMore() {
    String tenant = newTenant();
    try (Receiver receiver = Receiver.start().byDefault(Receiver.Reply.status(503))) {
      JsonNode webhook = subscribe(tenant, receiver.url("/hooks"), ApprovalNotice.TYPE_EXPIRED);
      publish(notice(tenant, ApprovalNotice.TYPE_EXPIRED));

      JsonNode failed = awaitStatus(tenant, webhook, "failed");
      // The test schedule has three retries: four attempts in all.
      assertThat(failed.path("attempts").findValuesAsText("statusCode"))
          .containsExactly("503", "503", "503", "503");
      assertThat(failed.has("nextAttemptAt")).isFalse();

      receiver.byDefault(Receiver.Reply.status(200));
      Reply redelivered =
          api()
              .post(
                  "/v1/webhooks/"
                      + webhook.path("id").asText()
                      + "/deliveries/"
                      + failed.path("id").asText()
                      + "/redeliver",
                  admin(tenant),
                  null);

      assertThat(redelivered.status()).as(redelivered.raw()).isEqualTo(202);
      assertThat(redelivered.body().path("status").asText()).isEqualTo("pending");
      JsonNode succeeded = awaitStatus(tenant, webhook, "succeeded");
      assertThat(succeeded.path("attempts").findValuesAsText("statusCode"))
          .containsExactly("503", "503", "503", "503", "200");
      assertThat(receiver.received()).hasSize(5);
    }
  }

  @Test
  void goneDisablesTheSubscriptionAndStopsItsDeliveries() {
    String tenant = newTenant();
    try (Receiver receiver = Receiver.start().byDefault(Receiver.Reply.status(410))) {
      JsonNode webhook = subscribe(tenant, receiver.url("/hooks"), ApprovalNotice.TYPE_REQUESTED);
      String id = webhook.path("id").asText();

      // One transaction: both deliveries are queued before the first 410 can disable the
      // subscription (a notice published after that queues nothing, which the end checks).
      publish(
          notice(tenant, ApprovalNotice.TYPE_REQUESTED),
          notice(tenant, ApprovalNotice.TYPE_REQUESTED));

      await()
          .atMost(DEADLINE)
          .untilAsserted(
              () ->
                  assertThat(deliveries(tenant, id).findValuesAsText("status"))
                      .containsExactly("disabled", "disabled"));
      JsonNode disabled = api().get("/v1/webhooks/" + id, admin(tenant)).body();
      assertThat(disabled.path("enabled").asBoolean()).isFalse();
      assertThat(disabled.path("disabledReason").asText()).contains("410 Gone");

      ApprovalNotice late = notice(tenant, ApprovalNotice.TYPE_REQUESTED);
      publish(late);

      // Nothing queued means nothing sent, ever. The second delivery may have been on the wire
      // when the first 410 disabled it, so the receiver got one request or two, never the late one.
      assertThat(deliveries(tenant, id)).hasSize(2);
      assertThat(receiver.received())
          .extracting(message -> message.header("webhook-id"))
          .hasSizeBetween(1, 2)
          .doesNotContain(late.noticeId().toString());
    }
  }

  @Test
  void aReceiverTooSlowToAnswerWithinTheReadTimeoutIsRetried() {
    String tenant = newTenant();
    try (Receiver receiver =
        Receiver.start()
            .thenReply(Receiver.Reply.slow(Duration.ofSeconds(10)))
            .byDefault(Receiver.Reply.status(200))) {
      JsonNode webhook = subscribe(tenant, receiver.url("/hooks"), ApprovalNotice.TYPE_REMINDER);

      publish(notice(tenant, ApprovalNotice.TYPE_REMINDER));

      JsonNode delivery = awaitStatus(tenant, webhook, "succeeded");
      JsonNode first = delivery.path("attempts").get(0);
      assertThat(first.has("statusCode")).isFalse();
      assertThat(first.path("error").asText()).contains("timed out");
      assertThat(first.path("latencyMs").asLong()).isBetween(2900L, 9000L);
      assertThat(delivery.path("attempts").get(1).path("statusCode").asInt()).isEqualTo(200);
    }
  }

  @Test
  void duringARotationBothSecretsSignAndAfterTheWindowOnlyTheNewOne() throws Exception {
    String tenant = newTenant();
    try (Receiver receiver = Receiver.start()) {
      JsonNode webhook = subscribe(tenant, receiver.url("/hooks"), ApprovalNotice.TYPE_DECIDED);
      String id = webhook.path("id").asText();
      String oldSecret = webhook.path("secret").asText();

      Reply rotated = api().post("/v1/webhooks/" + id + "/rotate-secret", admin(tenant), null);

      assertThat(rotated.status()).as(rotated.raw()).isEqualTo(200);
      String newSecret = rotated.body().path("secret").asText();
      assertThat(newSecret).startsWith("whsec_").isNotEqualTo(oldSecret);
      assertThat(Instant.parse(rotated.body().path("previousSecretExpiresAt").asText()))
          .isBetween(
              Instant.now().plus(Duration.ofHours(23)), Instant.now().plus(Duration.ofHours(25)));
      publish(notice(tenant, ApprovalNotice.TYPE_DECIDED));
      await().atMost(DEADLINE).until(() -> receiver.received().size() == 1);
      Receiver.Received during = receiver.received().getFirst();
      assertThat(during.header("webhook-signature").split(" ")).hasSize(2);
      assertThat(IndependentVerifier.verifies(during, oldSecret)).isTrue();
      assertThat(IndependentVerifier.verifies(during, newSecret)).isTrue();

      expirePreviousSecret(tenant, UUID.fromString(id));
      publish(notice(tenant, ApprovalNotice.TYPE_DECIDED));
      await().atMost(DEADLINE).until(() -> receiver.received().size() == 2);
      Receiver.Received after = receiver.received().get(1);
      assertThat(after.header("webhook-signature").split(" ")).hasSize(1);
      assertThat(IndependentVerifier.verifies(after, newSecret)).isTrue();
      assertThat(IndependentVerifier.verifies(after, oldSecret)).isFalse();
    }
  }

  @Test
  void aRotationNamesItsOwnOverlapWindowAndZeroRetiresTheOldSecretAtOnce() throws Exception {
    String tenant = newTenant();
    try (Receiver receiver = Receiver.start()) {
      JsonNode webhook = subscribe(tenant, receiver.url("/hooks"), ApprovalNotice.TYPE_DECIDED);
      String id = webhook.path("id").asText();
      String first = webhook.path("secret").asText();

      Reply withWindow =
          api()
              .post(
                  "/v1/webhooks/" + id + "/rotate-secret",
                  admin(tenant),
                  "{\"previousSecretValidity\": \"PT2H\"}");
      assertThat(withWindow.status()).as(withWindow.raw()).isEqualTo(200);
      String second = withWindow.body().path("secret").asText();
      assertThat(Instant.parse(withWindow.body().path("previousSecretExpiresAt").asText()))
          .isEqualTo(
              Instant.parse(withWindow.body().path("updatedAt").asText())
                  .plus(Duration.ofHours(2)));
      publish(notice(tenant, ApprovalNotice.TYPE_DECIDED));
      await().atMost(DEADLINE).until(() -> receiver.received().size() == 1);
      Receiver.Received during = receiver.received().getFirst();
      assertThat(IndependentVerifier.verifies(during, first)).isTrue();
      assertThat(IndependentVerifier.verifies(during, second)).isTrue();

      // The secret leaked: rotate with no overlap, and the old one signs nothing more.
      Reply atOnce =
          api()
              .post(
                  "/v1/webhooks/" + id + "/rotate-secret",
                  admin(tenant),
                  "{\"previousSecretValidity\": \"PT0S\"}");
      assertThat(atOnce.status()).as(atOnce.raw()).isEqualTo(200);
      assertThat(atOnce.body().has("previousSecretExpiresAt")).as(atOnce.raw()).isFalse();
      String third = atOnce.body().path("secret").asText();
      publish(notice(tenant, ApprovalNotice.TYPE_DECIDED));
      await().atMost(DEADLINE).until(() -> receiver.received().size() == 2);
      Receiver.Received after = receiver.received().get(1);
      assertThat(after.header("webhook-signature").split(" ")).hasSize(1);
      assertThat(IndependentVerifier.verifies(after, third)).isTrue();
      assertThat(IndependentVerifier.verifies(after, second)).isFalse();
      assertThat(IndependentVerifier.verifies(after, first)).isFalse();
      assertThat(
              api().get("/v1/webhooks/" + id, admin(tenant)).body().has("previousSecretExpiresAt"))
          .isFalse();
    }
  }

  @Test
  void onlyTheEventTypesASubscriptionAskedForAreDeliveredAndOnlyInItsTenant() {
    String tenant = newTenant();
    String otherTenant = newTenant();
    try (Receiver decidedOnly = Receiver.start();
        Receiver both = Receiver.start();
        Receiver otherTenants = Receiver.start()) {
      JsonNode decided = subscribe(tenant, decidedOnly.url("/d"), ApprovalNotice.TYPE_DECIDED);
      JsonNode all =
          subscribe(
              tenant, both.url("/b"), ApprovalNotice.TYPE_REQUESTED, ApprovalNotice.TYPE_DECIDED);
      JsonNode foreign =
          subscribe(otherTenant, otherTenants.url("/o"), ApprovalNotice.TYPE_REQUESTED);

      publish(notice(tenant, ApprovalNotice.TYPE_REQUESTED));
      publish(notice(tenant, ApprovalNotice.TYPE_DECIDED));
      publish(notice(tenant, ApprovalNotice.TYPE_CANCELLED));

      // Deliveries are queued in the notice's transaction, so the log is complete at once.
      assertThat(deliveries(tenant, decided.path("id").asText()).findValuesAsText("eventType"))
          .containsExactly(ApprovalNotice.TYPE_DECIDED);
      assertThat(deliveries(tenant, all.path("id").asText()).findValuesAsText("eventType"))
          .containsExactly(ApprovalNotice.TYPE_DECIDED, ApprovalNotice.TYPE_REQUESTED);
      assertThat(deliveries(otherTenant, foreign.path("id").asText())).isEmpty();
      await().atMost(DEADLINE).until(() -> both.received().size() == 2);
      await().atMost(DEADLINE).until(() -> decidedOnly.received().size() == 1);
      assertThat(otherTenants.received()).isEmpty();
    }
  }

  @Test
  void aDisabledSubscriptionGetsNothingUntilItIsEnabledAgain() {
    String tenant = newTenant();
    try (Receiver receiver = Receiver.start()) {
      JsonNode webhook = subscribe(tenant, receiver.url("/hooks"), ApprovalNotice.TYPE_REQUESTED);
      String path = "/v1/webhooks/" + webhook.path("id").asText();
      Reply disabled = api().patch(path, admin(tenant), "{\"enabled\": false}");
      assertThat(disabled.body().path("enabled").asBoolean()).as(disabled.raw()).isFalse();

      publish(notice(tenant, ApprovalNotice.TYPE_REQUESTED));

      assertThat(deliveries(tenant, webhook.path("id").asText())).isEmpty();

      api().patch(path, admin(tenant), "{\"enabled\": true}");
      publish(notice(tenant, ApprovalNotice.TYPE_REQUESTED));

      await().atMost(DEADLINE).until(() -> receiver.received().size() == 1);
      assertThat(deliveries(tenant, webhook.path("id").asText())).hasSize(1);
    }
  }

  @Test
  void aNoticeWhoseTransactionRollsBackLeavesNoDelivery() {
    String tenant = newTenant();
    try (Receiver receiver = Receiver.start()) {
      JsonNode webhook = subscribe(tenant, receiver.url("/hooks"), ApprovalNotice.TYPE_DECIDED);
      ApprovalNotice rolledBack = notice(tenant, ApprovalNotice.TYPE_DECIDED);

      assertThatThrownBy(
              () ->
                  TenantScope.run(
                      tenant,
                      () ->
                          transactions.executeWrite(
                              status -> {
                                noticePublisher.publishEvent(rolledBack);
                                throw new IllegalStateException(
                                    "the decision failed after the notice");
                              })))
          .hasMessage("the decision failed after the notice");

      assertThat(deliveries(tenant, webhook.path("id").asText())).isEmpty();
      ApprovalNotice committed = notice(tenant, ApprovalNotice.TYPE_DECIDED);
      publish(committed);
      await().atMost(DEADLINE).until(() -> receiver.received().size() == 1);
      assertThat(receiver.received().getFirst().header("webhook-id"))
          .isEqualTo(committed.noticeId().toString());
      assertThat(deliveries(tenant, webhook.path("id").asText())).hasSize(1);
    }
  }

  @Test
  void aNoticePublishedOutsideATransactionIsRefused() {
    String tenant = newTenant();
    subscribe(tenant, "http://127.0.0.1:9/never", ApprovalNotice.TYPE_DECIDED);

    assertThatThrownBy(
            () -> noticePublisher.publishEvent(notice(tenant, ApprovalNotice.TYPE_DECIDED)))
        .hasMessageContaining("inside the transaction");
  }

  @Test
  void aNoticePublishedInATransactionOfAnotherTenantOrOfNoneIsRefused() {
    String tenant = newTenant();
    String other = newTenant();
    JsonNode webhook = subscribe(tenant, "http://127.0.0.1:9/never", ApprovalNotice.TYPE_DECIDED);
    ApprovalNotice notice = notice(tenant, ApprovalNotice.TYPE_DECIDED);

    // Row-level security would show either transaction none of the tenant's subscriptions: the
    // notice would queue nothing, silently. It is refused instead, and its change rolls back.
    assertThatThrownBy(
            () ->
                TenantScope.run(
                    other,
                    () ->
                        transactions.executeWrite(
                            status -> {
                              noticePublisher.publishEvent(notice);
                              return null;
                            })))
        .hasMessageContaining("scoped to that tenant")
        .hasMessageContaining("not to tenant " + other);
    assertThatThrownBy(
            () ->
                transactions.executeWrite(
                    status -> {
                      noticePublisher.publishEvent(notice);
                      return null;
                    }))
        .hasMessageContaining("not to no tenant");

    assertThat(deliveries(tenant, webhook.path("id").asText())).isEmpty();
  }

  @Test
  void aDeliveryQueuedJustBeforeItsWebhookWasDisabledIsNotSent() {
    String tenant = newTenant();
    try (Receiver receiver = Receiver.start()) {
      JsonNode webhook = subscribe(tenant, receiver.url("/hooks"), ApprovalNotice.TYPE_DECIDED);
      String id = webhook.path("id").asText();
      dispatcher.stop();
      try {
        publish(notice(tenant, ApprovalNotice.TYPE_DECIDED));
        // As when a fan-out commits beside a disable that did not see its delivery yet: the
        // subscription is off, its delivery still pending.
        execute(
            tenant,
            "UPDATE webhook_subscription SET enabled = false WHERE id = ?",
            UUID.fromString(id));
      } finally {
        dispatcher.start();
      }

      JsonNode stopped = awaitStatus(tenant, webhook, "disabled");
      assertThat(stopped.path("attempts")).isEmpty();
      assertThat(receiver.received()).isEmpty();
    }
  }

  @Test
  void aDeliveryLeftPendingWhenItsDispatcherStoppedIsDeliveredByTheNextRun() throws Exception {
    String tenant = newTenant();
    try (Receiver receiver = Receiver.start()) {
      JsonNode webhook = subscribe(tenant, receiver.url("/hooks"), ApprovalNotice.TYPE_DECIDED);
      String id = webhook.path("id").asText();
      dispatcher.stop();
      try {
        publish(notice(tenant, ApprovalNotice.TYPE_DECIDED));
        // As if the previous process had claimed it for attempt 1 and died mid-attempt.
        abandonClaims(tenant, UUID.fromString(id));
        JsonNode pending = deliveries(tenant, id).get(0);
        assertThat(pending.path("status").asText()).isEqualTo("pending");
        assertThat(pending.path("attempts")).isEmpty();
        assertThat(receiver.received()).isEmpty();
      } finally {
        dispatcher.start();
      }

      JsonNode delivered = awaitStatus(tenant, webhook, "succeeded");
      assertThat(delivered.path("attempts").findValuesAsText("attempt")).containsExactly("2");
      assertThat(receiver.received()).hasSize(1);
    }
  }

  @Test
  void theDeliveryLogIsNewestFirstAndPagesWithACursor() {
    String tenant = newTenant();
    try (Receiver receiver = Receiver.start()) {
      JsonNode webhook = subscribe(tenant, receiver.url("/hooks"), ApprovalNotice.TYPE_REQUESTED);
      String path = "/v1/webhooks/" + webhook.path("id").asText() + "/deliveries";
      List<ApprovalNotice> sent =
          List.of(
              notice(tenant, ApprovalNotice.TYPE_REQUESTED),
              notice(tenant, ApprovalNotice.TYPE_REQUESTED),
              notice(tenant, ApprovalNotice.TYPE_REQUESTED));
      sent.forEach(this::publish);

      Reply first = api().get(path + "?limit=2", admin(tenant));
      Reply second =
          api()
              .get(
                  path + "?limit=2&cursor=" + first.body().path("nextCursor").asText(),
                  admin(tenant));

      assertThat(first.body().path("items").findValuesAsText("messageId"))
          .containsExactly(sent.get(2).noticeId().toString(), sent.get(1).noticeId().toString());
      assertThat(second.body().path("items").findValuesAsText("messageId"))
          .containsExactly(sent.get(0).noticeId().toString());
      assertThat(second.body().has("nextCursor")).isFalse();
      String deliveryId = second.body().path("items").get(0).path("id").asText();
      Reply one = api().get(path + "/" + deliveryId, admin(tenant));
      assertThat(one.status()).isEqualTo(200);
      assertThat(one.body().path("messageId").asText())
          .isEqualTo(sent.get(0).noticeId().toString());
      assertThat(one.body().path("webhookId").asText()).isEqualTo(webhook.path("id").asText());
    }
  }

  private JsonNode awaitStatus(String tenant, JsonNode webhook, String status) {
    String id = webhook.path("id").asText();
    await()
        .atMost(DEADLINE)
        .until(() -> deliveries(tenant, id).get(0).path("status").asText().equals(status));
    return deliveries(tenant, id).get(0);
  }

  private void expirePreviousSecret(String tenant, UUID webhookId) {
    execute(
        tenant,
        "UPDATE webhook_subscription SET previous_secret_expires_at = now() - interval '1 second'"
            + " WHERE id = ?",
        webhookId);
  }

  private void abandonClaims(String tenant, UUID webhookId) {
    execute(
        tenant,
        "UPDATE webhook_delivery SET attempts = 1, claimed_until = now() - interval '1 second'"
            + " WHERE subscription_id = ?",
        webhookId);
  }

  /** Runs an update in the tenant's scope, where row-level security lets it see the rows. */
  private void execute(String tenant, String sql, UUID id) {
    int updated =
        TenantScope.call(
            tenant,
            () ->
                transactions.executeWrite(
                    status -> {
                      try (PreparedStatement statement =
                          status.getConnection().prepareStatement(sql)) {
                        statement.setObject(1, id);
                        return statement.executeUpdate();
                      } catch (SQLException e) {
                        throw new IllegalStateException(e);
                      }
                    }));
    assertThat(updated).as(sql).isPositive();
  }
}
