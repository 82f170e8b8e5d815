package dev.agentplane.approval;

import static dev.agentplane.approval.Approvals.anApproval;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.approval.InboundSigner.Message;
import dev.agentplane.contracts.ApprovalDecided;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.contracts.ApprovalOutcome;
import dev.agentplane.contracts.ApprovalPolicy;
import dev.agentplane.contracts.ApprovalRequested;
import dev.agentplane.contracts.ApprovalSubject;
import dev.agentplane.contracts.EventEnvelope;
import dev.agentplane.contracts.ExpiryOutcome;
import dev.agentplane.contracts.PrincipalType;
import dev.agentplane.contracts.Requester;
import dev.agentplane.contracts.Topics;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import dev.agentplane.testkit.TestKafka;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decisions that arrive without a JWT (issue 5 § Inbound decisions): the tenant's decision-callback
 * secret, Standard Webhooks-signed decisions made by an approver the tenant vouches for, and
 * one-time action links. Messages are signed by {@link InboundSigner}, written from the
 * specification, not by the production signer.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InboundDecisionsIT extends InboundTestSupport {

  private static final String SECRET_PATH = "/v1/webhooks/inbound-secret";

  @Inject OutboxRows outbox;

  // ---------------------------------------------------------------- the decision-callback secret

  @Test
  void anAdminMakesTheSecretWhichIsShownOnceAndSealedAtRest() {
    String tenant = newTenant();
    assertProblem(api().get(SECRET_PATH, admin(tenant)), 404, "not-found");

    Reply made = api().post(SECRET_PATH, admin(tenant), null);

    assertThat(made.status()).as(made.raw()).isEqualTo(201);
    assertThat(made.header("Cache-Control")).contains("no-store");
    String secret = made.body().path("secret").asText();
    assertThat(secret).startsWith("whsec_");
    byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    assertThat(key).hasSize(32);
    assertThat(made.body().path("rotatedAt").isTextual()).isTrue();
    assertThat(made.body().hasNonNull("previousValidUntil")).as(made.raw()).isFalse();

    Reply described = api().get(SECRET_PATH, admin(tenant));
    assertThat(described.status()).as(described.raw()).isEqualTo(200);
    assertThat(described.body().path("createdAt").isTextual()).isTrue();
    assertThat(described.body().path("rotatedAt").asText())
        .isEqualTo(made.body().path("rotatedAt").asText());
    assertThat(described.body().has("secret")).isFalse();
    assertThat(described.raw()).doesNotContain(secret.substring("whsec_".length()));

    String row = inboundRows.secretRowAsText(tenant);
    assertThat(row).isNotNull();
    assertThat(row)
        .doesNotContain(secret.substring("whsec_".length()))
        .doesNotContainIgnoringCase(HexFormat.of().formatHex(key));
    for (byte[] column : inboundRows.secretRowBytes(tenant)) {
      assertThat(new String(column, java.nio.charset.StandardCharsets.ISO_8859_1))
          .doesNotContain(secret.substring("whsec_".length()))
          .doesNotContain(new String(key, java.nio.charset.StandardCharsets.ISO_8859_1));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"approver", "viewer", "builder", "operator", "service"})
  void onlyAdminsManageTheSecret(String who) {
    String tenant = newTenant();
    String token =
        who.equals("service")
            ? tokens.service(tenant, "svc-notify", "internal", "operator")
            : user(tenant, "someone-" + who, who);

    assertProblem(api().post(SECRET_PATH, token, null), 403, "forbidden");
    assertProblem(api().get(SECRET_PATH, token), 403, "forbidden");
    assertThat(inboundRows.secretRowAsText(tenant)).isNull();
    // The tenant's own admin service may (the notification service that sends links).
    Reply byAdminService =
        api().post(SECRET_PATH, tokens.service(tenant, "svc-notify", "admin"), null);
    assertThat(byAdminService.status()).as(byAdminService.raw()).isEqualTo(201);
  }

  @Test
  void theSecretEndpointsNeedAToken() {
    assertThat(api().post(SECRET_PATH, null, null).status()).isEqualTo(401);
    assertThat(api().get(SECRET_PATH, null).status()).isEqualTo(401);
  }

  @Test
  void aTenantsSecretVerifiesOnlyItsOwnTenantsMessages() {
    String tenantA = newTenant();
    String tenantB = newTenant();
    String secretA = inboundSecret(tenantA);
    String secretB = inboundSecret(tenantB);
    assertThat(secretA).isNotEqualTo(secretB);
    JsonNode requestB = open(tenantB, anApproval());
    String body = decision(requestB, "alice", "approve").toString();

    // A's secret on B's path: not B's signature.
    assertProblem(sendSigned(tenantB, secretA, body), 401, "invalid-signature");
    // A's secret on A's path naming B's request: genuine for A, but A has no such request.
    assertProblem(sendSigned(tenantA, secretA, body), 404, "not-found");
    assertUntouched(tenantB, requestB);
    assertThat(inboundRows.messageChannels(tenantA)).isEmpty();
    assertThat(inboundRows.messageChannels(tenantB)).isEmpty();

    Reply genuine = sendSigned(tenantB, secretB, body);
    assertThat(genuine.status()).as(genuine.raw()).isEqualTo(200);
    assertThat(genuine.body().path("status").asText()).isEqualTo("approved");
  }

  // ---------------------------------------------------------------- signed decisions

  @Test
  void aSignedDecisionApprovesAsTheApproverTheTenantVouchesFor() {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());

    try (EventTap tap = new EventTap(Topics.APPROVALS_DECIDED)) {
      Reply reply =
          sendSigned(tenant, secret, decision(request, "alice@chat", "approve").toString());

      assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
      assertThat(reply.body().path("status").asText()).isEqualTo("approved");
      assertThat(reply.body().path("outcome").asText()).isEqualTo("approved");
      JsonNode recorded = reply.body().path("decisions").get(0);
      assertThat(recorded.path("approver").asText()).isEqualTo("alice@chat");
      assertThat(recorded.path("decision").asText()).isEqualTo("approve");
      assertThat(recorded.path("channel").asText()).isEqualTo("signed_webhook");
      assertThat(view(tenant, request)).isEqualTo(reply.body());

      ApprovalDecided decided =
          tap.await(ApprovalDecided.class, e -> e.approvalId().equals(idOf(request)));
      assertThat(decided.outcome()).isEqualTo(ApprovalOutcome.APPROVED);
      assertThat(decided.decidedBy()).containsExactly("alice@chat");
      assertThat(decided.tenantId()).isEqualTo(tenant);
    }
    JsonNode decisionAudit = audit(tenant, request).get(1);
    assertThat(decisionAudit.path("action").asText()).isEqualTo("decision_recorded");
    assertThat(decisionAudit.path("actor").asText()).isEqualTo("alice@chat");
    assertThat(decisionAudit.path("detail").path("channel").asText()).isEqualTo("signed_webhook");
    assertThat(audit(tenant, request).findValuesAsText("action"))
        .containsExactly("requested", "decision_recorded", "decided");
    assertThat(inboundRows.messageChannels(tenant)).containsExactly("signed_webhook");
    assertThat(outbox.decidedEventsFor(idOf(request))).isEqualTo(1);
  }

  @Test
  void aSignedDecisionMayRejectWithAReasonOrApproveWithEdits() {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    JsonNode rejected = open(tenant, anApproval());
    JsonNode edited =
        open(
            tenant,
            anApproval().toolCall(DecisionsIT.transfer(1250), DecisionsIT.transferSchema()));

    Reply rejection =
        sendSigned(
            tenant,
            secret,
            decision(rejected, "bob", "reject").put("reason", "Not during the freeze").toString());
    ObjectNode edit = decision(edited, "carol", "approve");
    edit.set("editedArguments", DecisionsIT.transfer(900));
    Reply approval = sendSigned(tenant, secret, edit.toString());

    assertThat(rejection.status()).as(rejection.raw()).isEqualTo(200);
    assertThat(rejection.body().path("status").asText()).isEqualTo("rejected");
    assertThat(rejection.body().path("reason").asText()).isEqualTo("Not during the freeze");
    assertThat(approval.status()).as(approval.raw()).isEqualTo(200);
    assertThat(approval.body().path("finalArguments")).isEqualTo(DecisionsIT.transfer(900));
    assertThat(approval.body().path("argumentsDiff").toString())
        .isEqualTo("[{\"op\":\"replace\",\"path\":\"/amount\",\"value\":900}]");
  }

  @Test
  void headerNamesAreCaseInsensitive() {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());
    Message message =
        InboundSigner.signed(secret, decision(request, "alice", "approve").toString());

    Reply reply =
        api()
            .send(
                "POST",
                decisionsPath(tenant),
                null,
                message.body(),
                Map.of(
                    "Webhook-Id", message.id(),
                    "WEBHOOK-TIMESTAMP", Long.toString(message.timestamp()),
                    "Webhook-Signature", message.signature()));

    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    assertThat(reply.body().path("status").asText()).isEqualTo("approved");
  }

  @Test
  void aBadSignatureIsRefusedAndRecordsNothing() {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());
    String body = decision(request, "alice", "approve").toString();
    Message genuine = InboundSigner.signed(secret, body);
    String otherBody = decision(request, "mallory", "approve").toString();

    List<Message> forgeries =
        List.of(
            InboundSigner.signed(InboundSigner.strangerSecret(), body),
            // The genuine signature on another body, id or timestamp.
            new Message(genuine.id(), genuine.timestamp(), otherBody, genuine.signature()),
            new Message("msg_other", genuine.timestamp(), body, genuine.signature()),
            new Message(genuine.id(), genuine.timestamp() - 1, body, genuine.signature()),
            genuine.withSignature("v1,not-base64!"),
            genuine.withSignature("v1a," + genuine.signature().substring(3)),
            genuine.withSignature(genuine.signature().substring(3)),
            genuine.withSignature("v1," + InboundSigner.hmac(secret, genuine.id(), 0, body)));
    for (Message forgery : forgeries) {
      assertProblem(send(tenant, forgery), 401, "invalid-signature");
    }

    assertUntouched(tenant, request);
    assertThat(inboundRows.messageChannels(tenant)).isEmpty();
    // Another signature beside the genuine one (a rotation window) does not spoil it.
    Reply reply =
        send(
            tenant,
            genuine.withSignature(
                "v1,"
                    + InboundSigner.hmac(
                        InboundSigner.strangerSecret(), genuine.id(), genuine.timestamp(), body)
                    + " "
                    + genuine.signature()));
    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
  }

  @Test
  void staleTimestampsAreRefusedEitherWay() {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());
    String body = decision(request, "alice", "approve").toString();
    Instant now = Instant.now();

    assertProblem(
        send(tenant, InboundSigner.signedAt(secret, body, now.minus(Duration.ofMinutes(6)))),
        401,
        "stale-timestamp");
    assertProblem(
        send(tenant, InboundSigner.signedAt(secret, body, now.plus(Duration.ofMinutes(6)))),
        401,
        "stale-timestamp");
    assertUntouched(tenant, request);
    assertThat(inboundRows.messageChannels(tenant)).isEmpty();

    // Within the 5 minutes: accepted.
    Reply late =
        send(tenant, InboundSigner.signedAt(secret, body, now.minus(Duration.ofMinutes(4))));
    assertThat(late.status()).as(late.raw()).isEqualTo(200);
    assertThat(late.body().path("status").asText()).isEqualTo("approved");
  }

  @Test
  void missingHeadersAreRefused() {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());
    Message genuine =
        InboundSigner.signed(secret, decision(request, "alice", "approve").toString());

    for (String dropped : List.of("webhook-id", "webhook-timestamp", "webhook-signature")) {
      Map<String, String> headers = new java.util.HashMap<>(genuine.headers());
      headers.remove(dropped);
      Reply reply = api().send("POST", decisionsPath(tenant), null, genuine.body(), headers);
      assertProblem(reply, 401, "missing-signature");
      assertThat(reply.body().path("detail").asText()).contains(dropped);
    }
    Map<String, String> wordy = new java.util.HashMap<>(genuine.headers());
    wordy.put("webhook-timestamp", "yesterday");
    assertProblem(
        api().send("POST", decisionsPath(tenant), null, genuine.body(), wordy),
        401,
        "missing-signature");
    assertProblem(
        api().send("POST", decisionsPath(tenant), null, genuine.body(), Map.of()),
        401,
        "missing-signature");

    assertUntouched(tenant, request);
    assertThat(inboundRows.messageChannels(tenant)).isEmpty();
  }

  @Test
  void aTenantWithoutASecretAndAnUnknownTenantLookAlike() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval());
    String body = decision(request, "alice", "approve").toString();

    Reply withoutSecret = sendSigned(tenant, InboundSigner.strangerSecret(), body);
    Reply unknown = sendSigned(newTenant(), InboundSigner.strangerSecret(), body);

    assertProblem(withoutSecret, 401, "invalid-signature");
    assertProblem(unknown, 401, "invalid-signature");
    assertThat(withoutSecret.body().path("detail").asText())
        .isEqualTo(unknown.body().path("detail").asText());
    assertUntouched(tenant, request);
  }

  @Test
  void aDecisionOnAnUnknownRequestIsNotFoundRecordsNothingAndMayBeRetriedOnceItExists()
      throws Exception {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    UUID approvalId = UUID.randomUUID();
    Message message =
        InboundSigner.signed(secret, decision(approvalId, "alice", "approve").toString());

    assertProblem(send(tenant, message), 404, "not-found");
    assertThat(inboundRows.messageChannels(tenant)).isEmpty();

    // The request arrives later (Kafka requests keep their approvalId); the sender retries.
    try (KafkaProducer<String, byte[]> producer = TestKafka.get().newProducer()) {
      producer
          .send(
              EventEnvelope.toKafkaRecord(
                  requested(tenant, approvalId), URI.create("/agentplane/execution"), null))
          .get();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> api().get("/v1/approvals/" + approvalId, viewer(tenant)).status() == 200);

    Reply retried = send(tenant, InboundSigner.resigned(message, secret));
    assertThat(retried.status()).as(retried.raw()).isEqualTo(200);
    assertThat(retried.body().path("status").asText()).isEqualTo("approved");
    assertThat(retried.body().path("decisions").findValuesAsText("approver"))
        .containsExactly("alice");
  }

  // ---------------------------------------------------------------- replays

  @Test
  void aReplayedMessageHasNoSecondEffect() {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval().requiring(2));
    Message message =
        InboundSigner.signed(secret, decision(request, "alice", "approve").toString());

    Reply first = send(tenant, message);
    Reply replayed = send(tenant, message);
    Reply resent = send(tenant, InboundSigner.resigned(message, secret));

    assertThat(first.status()).as(first.raw()).isEqualTo(200);
    assertThat(first.body().path("approvals").asInt()).isEqualTo(1);
    for (Reply again : List.of(replayed, resent)) {
      assertThat(again.status()).as(again.raw()).isEqualTo(200);
      assertThat(again.body().path("status").asText()).isEqualTo("pending");
      assertThat(again.body().path("approvals").asInt()).isEqualTo(1);
      assertThat(again.body().path("decisions")).hasSize(1);
    }
    assertThat(audit(tenant, request).findValuesAsText("action"))
        .containsExactly("requested", "decision_recorded");
    assertThat(inboundRows.messageChannels(tenant)).containsExactly("signed_webhook");

    // A new message is a new decision: the same approver again is the core's 409, another one
    // completes the quorum.
    assertProblem(
        sendSigned(tenant, secret, decision(request, "alice", "approve").toString()),
        409,
        "already-decided");
    Reply second = sendSigned(tenant, secret, decision(request, "bob", "approve").toString());
    assertThat(second.body().path("status").asText()).as(second.raw()).isEqualTo("approved");
    assertThat(second.body().path("decisions").findValuesAsText("approver"))
        .containsExactly("alice", "bob");
  }

  @Test
  void concurrentReplaysOfOneMessageDecideOnce() throws Exception {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());
    Message message =
        InboundSigner.signed(secret, decision(request, "alice", "approve").toString());
    int senders = 8;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Reply>> replies = new ArrayList<>();

    try (ExecutorService pool = Executors.newFixedThreadPool(senders)) {
      for (int i = 0; i < senders; i++) {
        replies.add(
            pool.submit(
                () -> {
                  start.await();
                  return send(tenant, message);
                }));
      }
      start.countDown();
      for (Future<Reply> future : replies) {
        Reply reply = future.get();
        // Every copy gets the request as it is, none a conflict: the sender may retry blindly.
        assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
        assertThat(reply.body().path("status").asText()).isEqualTo("approved");
      }
    }

    JsonNode decided = view(tenant, request);
    assertThat(decided.path("decisions")).hasSize(1);
    assertThat(outbox.decidedEventsFor(idOf(request))).isEqualTo(1);
    assertThat(inboundRows.messageChannels(tenant)).containsExactly("signed_webhook");
  }

  // ---------------------------------------------------------------- rotation

  @Test
  void aRotatedOutSecretVerifiesUntilItsWindowCloses() {
    String tenant = newTenant();
    String first = inboundSecret(tenant);

    JsonNode rotation = rotateSecret(tenant);
    String second = rotation.path("secret").asText();

    assertThat(second).startsWith("whsec_").isNotEqualTo(first);
    Instant rotatedAt = Instant.parse(rotation.path("rotatedAt").asText());
    assertThat(Instant.parse(rotation.path("previousValidUntil").asText()))
        .isEqualTo(rotatedAt.plus(Duration.ofHours(24)));
    assertThat(api().get(SECRET_PATH, admin(tenant)).body().path("previousValidUntil").asText())
        .isEqualTo(rotation.path("previousValidUntil").asText());
    JsonNode byOld = open(tenant, anApproval());
    JsonNode byNew = open(tenant, anApproval());
    Reply oldStillWorks = sendSigned(tenant, first, decision(byOld, "alice", "approve").toString());
    Reply newWorks = sendSigned(tenant, second, decision(byNew, "alice", "approve").toString());
    assertThat(oldStillWorks.status()).as(oldStillWorks.raw()).isEqualTo(200);
    assertThat(newWorks.status()).as(newWorks.raw()).isEqualTo(200);

    // The window closing in real time is InboundSettingsIT's; here it is aged in the database.
    inboundRows.expirePreviousSecret(tenant);

    JsonNode late = open(tenant, anApproval());
    String body = decision(late, "alice", "approve").toString();
    assertProblem(sendSigned(tenant, first, body), 401, "invalid-signature");
    assertUntouched(tenant, late);
    assertThat(api().get(SECRET_PATH, admin(tenant)).body().has("previousValidUntil")).isFalse();
    assertThat(sendSigned(tenant, second, body).status()).isEqualTo(200);
  }

  @Test
  void aRotationNamesItsOwnOverlapWindowAndZeroRetiresTheOldSecretAtOnce() {
    String tenant = newTenant();
    String first = inboundSecret(tenant);

    Reply withWindow =
        api().post(SECRET_PATH, admin(tenant), "{\"previousSecretValidity\": \"PT10M\"}");
    assertThat(withWindow.status()).as(withWindow.raw()).isEqualTo(201);
    String second = withWindow.body().path("secret").asText();
    assertThat(Instant.parse(withWindow.body().path("previousValidUntil").asText()))
        .isEqualTo(
            Instant.parse(withWindow.body().path("rotatedAt").asText())
                .plus(Duration.ofMinutes(10)));
    JsonNode byFirst = open(tenant, anApproval());
    assertThat(sendSigned(tenant, first, decision(byFirst, "alice", "approve").toString()).status())
        .isEqualTo(200);

    Reply atOnce = api().post(SECRET_PATH, admin(tenant), "{\"previousSecretValidity\": \"PT0S\"}");
    assertThat(atOnce.status()).as(atOnce.raw()).isEqualTo(201);
    assertThat(atOnce.body().hasNonNull("previousValidUntil")).as(atOnce.raw()).isFalse();
    String third = atOnce.body().path("secret").asText();
    JsonNode late = open(tenant, anApproval());
    String body = decision(late, "alice", "approve").toString();
    assertProblem(sendSigned(tenant, second, body), 401, "invalid-signature");
    assertProblem(sendSigned(tenant, first, body), 401, "invalid-signature");
    assertUntouched(tenant, late);
    assertThat(sendSigned(tenant, third, body).status()).isEqualTo(200);
  }

  @Test
  void aRotationAskingForABadOverlapIsRefusedNamingTheFieldAndKeepsTheSecret() {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    String rotatedAt = api().get(SECRET_PATH, admin(tenant)).body().path("rotatedAt").asText();

    Reply tooLong =
        api().post(SECRET_PATH, admin(tenant), "{\"previousSecretValidity\": \"P30D\"}");
    Reply negative =
        api().post(SECRET_PATH, admin(tenant), "{\"previousSecretValidity\": \"-PT5M\"}");
    Reply unreadable =
        api().post(SECRET_PATH, admin(tenant), "{\"previousSecretValidity\": \"tomorrow\"}");

    assertProblem(tooLong, 422, "validation-failed");
    assertThat(tooLong.errorPointers()).containsExactly("/previousSecretValidity");
    assertProblem(negative, 422, "validation-failed");
    assertThat(negative.errorPointers()).containsExactly("/previousSecretValidity");
    assertThat(unreadable.status()).as(unreadable.raw()).isEqualTo(400);
    assertThat(unreadable.errorPointers()).containsExactly("/previousSecretValidity");
    assertThat(api().get(SECRET_PATH, admin(tenant)).body().path("rotatedAt").asText())
        .isEqualTo(rotatedAt);
    JsonNode request = open(tenant, anApproval());
    assertThat(
            sendSigned(tenant, secret, decision(request, "alice", "approve").toString()).status())
        .isEqualTo(200);
  }

  @Test
  void aSecondRotationRetiresTheFirstSecretAtOnce() {
    String tenant = newTenant();
    String first = inboundSecret(tenant);
    String second = inboundSecret(tenant);
    String third = inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval().requiring(3));

    assertProblem(
        sendSigned(tenant, first, decision(request, "a", "approve").toString()),
        401,
        "invalid-signature");
    assertThat(sendSigned(tenant, second, decision(request, "b", "approve").toString()).status())
        .isEqualTo(200);
    assertThat(sendSigned(tenant, third, decision(request, "c", "approve").toString()).status())
        .isEqualTo(200);
  }

  // ---------------------------------------------------------------- vouched approvers

  @Test
  void theVouchedRolesMustBeAmongTheRequestsApproverRoles() {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval().approverRoles("admin"));

    assertProblem(
        sendSigned(tenant, secret, decision(request, "alice", "approve").toString()),
        403,
        "not-an-approver");
    assertProblem(
        sendSigned(
            tenant,
            secret,
            withRoles(decision(request, "alice", "approve"), "approver").toString()),
        403,
        "not-an-approver");
    assertUntouched(tenant, request);
    assertThat(inboundRows.messageChannels(tenant)).isEmpty();

    Reply asAdmin =
        sendSigned(
            tenant, secret, withRoles(decision(request, "root", "approve"), "admin").toString());
    assertThat(asAdmin.status()).as(asAdmin.raw()).isEqualTo(200);
    assertThat(asAdmin.body().path("status").asText()).isEqualTo("approved");
  }

  @Test
  void onlyDecidingRolesCanBeVouchedFor() {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval().approverRoles("approver", "viewer"));

    for (String[] roles :
        List.of(
            new String[] {"viewer"},
            new String[] {"approver", "operator"},
            new String[] {"internal"},
            new String[] {"superuser"})) {
      Reply reply =
          sendSigned(
              tenant, secret, withRoles(decision(request, "v", "approve"), roles).toString());
      assertProblem(reply, 400, "invalid-request");
      assertThat(reply.errorPointers()).as(reply.raw()).containsExactly("/approver/roles");
    }
    ObjectNode notAnArray = decision(request, "v", "approve");
    ((ObjectNode) notAnArray.path("approver")).put("roles", "approver");
    Reply reply = sendSigned(tenant, secret, notAnArray.toString());
    assertThat(reply.status()).as(reply.raw()).isEqualTo(400);
    assertThat(reply.errorPointers()).containsExactly("/approver/roles");
    assertUntouched(tenant, request);
  }

  @Test
  void theRequesterCannotDecideThroughASignedMessage() {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval().onBehalfOf("mallory"));

    assertProblem(
        sendSigned(tenant, secret, decision(request, "mallory", "approve").toString()),
        403,
        "requester-cannot-decide");
    assertUntouched(tenant, request);
    assertThat(inboundRows.messageChannels(tenant)).isEmpty();
  }

  // ---------------------------------------------------------------- bad bodies, validly signed

  @Test
  void badBodiesAreRefusedNamingTheFieldAndRecordNothing() {
    String tenant = newTenant();
    String secret = inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());
    ObjectNode noApprovalId = decision(request, "alice", "approve");
    noApprovalId.remove("approvalId");
    ObjectNode notAUuid = decision(request, "alice", "approve").put("approvalId", "42");
    ObjectNode noApprover = decision(request, "alice", "approve");
    noApprover.remove("approver");
    ObjectNode blankSubject = decision(request, " ", "approve");
    ObjectNode unknownField = decision(request, "alice", "approve").put("channel", "api");
    ObjectNode unknownApproverField = decision(request, "alice", "approve");
    ((ObjectNode) unknownApproverField.path("approver")).put("tenant", "other");

    Map<String, String> expectedPointers =
        new java.util.LinkedHashMap<>(
            Map.of(
                "this is not JSON",
                "",
                "[]",
                "",
                noApprovalId.toString(),
                "/approvalId",
                notAUuid.toString(),
                "/approvalId",
                noApprover.toString(),
                "/approver",
                blankSubject.toString(),
                "/approver/subject",
                decision(request, "alice", "maybe").toString(),
                "/decision",
                unknownField.toString(),
                "/channel",
                unknownApproverField.toString(),
                "/approver/tenant"));
    for (Map.Entry<String, String> bad : expectedPointers.entrySet()) {
      Reply reply = sendSigned(tenant, secret, bad.getKey());
      assertThat(reply.status()).as(bad.getKey() + " → " + reply.raw()).isEqualTo(400);
      assertThat(reply.contentType()).isEqualTo("application/problem+json");
      assertThat(reply.errorPointers()).as(reply.raw()).containsExactly(bad.getValue());
    }

    Reply noReason = sendSigned(tenant, secret, decision(request, "alice", "reject").toString());
    assertProblem(noReason, 422, "validation-failed");
    assertThat(noReason.errorPointers()).containsExactly("/reason");

    assertUntouched(tenant, request);
    assertThat(inboundRows.messageChannels(tenant)).isEmpty();
  }

  // ---------------------------------------------------------------- action links

  @Test
  void anAdminMintsLinksWhoseGetOnlyPreviews() {
    String tenant = newTenant();
    inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());

    Reply minted = mintLinks(tenant, request, linkBody("bob", null));

    assertThat(minted.status()).as(minted.raw()).isEqualTo(201);
    assertThat(minted.header("Cache-Control")).contains("no-store");
    String prefix = "http://127.0.0.1:8080/v1/webhooks/inbound/" + tenant + "/links/";
    String approveUrl = minted.body().path("approve").asText();
    String rejectUrl = minted.body().path("reject").asText();
    assertThat(approveUrl).startsWith(prefix);
    assertThat(rejectUrl).startsWith(prefix).isNotEqualTo(approveUrl);
    Instant expiresAt = Instant.parse(minted.body().path("expiresAt").asText());
    assertThat(expiresAt)
        .isBetween(
            Instant.now().plus(Duration.ofHours(24)).minusSeconds(60),
            Instant.now().plus(Duration.ofHours(24)));

    for (int i = 0; i < 2; i++) {
      Reply preview = preview(approveUrl);
      assertThat(preview.status()).as(preview.raw()).isEqualTo(200);
      assertThat(preview.body().path("approvalId").asText()).isEqualTo(request.path("id").asText());
      assertThat(preview.body().path("title").asText()).isEqualTo(request.path("title").asText());
      assertThat(preview.body().path("status").asText()).isEqualTo("pending");
      assertThat(preview.body().path("verdict").asText()).isEqualTo("approve");
      assertThat(preview.body().path("approver").asText()).isEqualTo("bob");
      assertThat(preview.body().path("used").asBoolean()).isFalse();
      assertThat(Instant.parse(preview.body().path("expiresAt").asText())).isEqualTo(expiresAt);
    }
    assertThat(preview(rejectUrl).body().path("verdict").asText()).isEqualTo("reject");

    assertUntouched(tenant, request);
    assertThat(inboundRows.messageChannels(tenant)).isEmpty();
  }

  @Test
  void anApproveLinkDecidesOnce() {
    String tenant = newTenant();
    inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());
    JsonNode links = links(tenant, request, "bob");
    String approveUrl = links.path("approve").asText();

    try (EventTap tap = new EventTap(Topics.APPROVALS_DECIDED)) {
      Reply used = use(approveUrl, null);

      assertThat(used.status()).as(used.raw()).isEqualTo(200);
      assertThat(used.body().path("status").asText()).isEqualTo("approved");
      JsonNode recorded = used.body().path("decisions").get(0);
      assertThat(recorded.path("approver").asText()).isEqualTo("bob");
      assertThat(recorded.path("channel").asText()).isEqualTo("action_link");
      ApprovalDecided decided =
          tap.await(ApprovalDecided.class, e -> e.approvalId().equals(idOf(request)));
      assertThat(decided.outcome()).isEqualTo(ApprovalOutcome.APPROVED);
      assertThat(decided.decidedBy()).containsExactly("bob");
    }

    assertProblem(use(approveUrl, null), 409, "link-used");
    assertThat(preview(approveUrl).body().path("used").asBoolean()).isTrue();
    assertThat(audit(tenant, request).get(1).path("detail").path("channel").asText())
        .isEqualTo("action_link");
    assertThat(view(tenant, request).path("decisions")).hasSize(1);
    assertThat(outbox.decidedEventsFor(idOf(request))).isEqualTo(1);
    assertThat(inboundRows.messageChannels(tenant)).containsExactly("action_link");
    // The other link of the pair finds the request closed.
    assertProblem(
        use(links.path("reject").asText(), "{\"reason\":\"late\"}"), 409, "approval-closed");
  }

  @Test
  void aRejectLinkNeedsAReasonAndStaysUsableUntilItHasOne() {
    String tenant = newTenant();
    inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());
    String rejectUrl = links(tenant, request, "bob").path("reject").asText();

    Reply withoutReason = use(rejectUrl, null);
    assertProblem(withoutReason, 422, "validation-failed");
    assertThat(withoutReason.errorPointers()).containsExactly("/reason");
    assertProblem(use(rejectUrl, "{\"reason\": 42}"), 400, "invalid-request");
    assertThat(preview(rejectUrl).body().path("used").asBoolean()).isFalse();
    assertUntouched(tenant, request);

    Reply rejected = use(rejectUrl, "{\"reason\":\"Wrong payee\"}");
    assertThat(rejected.status()).as(rejected.raw()).isEqualTo(200);
    assertThat(rejected.body().path("status").asText()).isEqualTo("rejected");
    assertThat(rejected.body().path("reason").asText()).isEqualTo("Wrong payee");
    assertThat(rejected.body().path("decisions").get(0).path("channel").asText())
        .isEqualTo("action_link");
    assertProblem(use(rejectUrl, "{\"reason\":\"again\"}"), 409, "link-used");
  }

  @Test
  void aLinkMayBeUsedFromAnHtmlForm() {
    String tenant = newTenant();
    inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());
    String rejectUrl = links(tenant, request, "bob").path("reject").asText();
    Map<String, String> form = Map.of("Content-Type", "application/x-www-form-urlencoded");

    Reply unknownField =
        api().send("POST", pathOfLink(rejectUrl), null, "reason=x&decision=approve", form);
    assertProblem(unknownField, 400, "invalid-request");
    assertThat(unknownField.errorPointers()).containsExactly("/decision");
    assertProblem(
        api().send("POST", pathOfLink(rejectUrl), null, "reason=", form), 422, "validation-failed");

    Reply rejected =
        api().send("POST", pathOfLink(rejectUrl), null, "reason=Wrong+payee+%26+amount", form);

    assertThat(rejected.status()).as(rejected.raw()).isEqualTo(200);
    assertThat(rejected.body().path("status").asText()).isEqualTo("rejected");
    assertThat(rejected.body().path("reason").asText()).isEqualTo("Wrong payee & amount");
  }

  @Test
  void aLinkDecidesOnlyWhatItsApproverMay() {
    String tenant = newTenant();
    inboundSecret(tenant);
    JsonNode adminsOnly = open(tenant, anApproval().approverRoles("admin"));
    JsonNode mallorys = open(tenant, anApproval().onBehalfOf("mallory"));

    String approverLink = links(tenant, adminsOnly, "bob").path("approve").asText();
    String mallorysLink = links(tenant, mallorys, "mallory").path("approve").asText();

    assertProblem(use(approverLink, null), 403, "not-an-approver");
    assertProblem(use(mallorysLink, null), 403, "requester-cannot-decide");
    assertThat(preview(approverLink).body().path("used").asBoolean()).isFalse();
    assertUntouched(tenant, adminsOnly);
    assertUntouched(tenant, mallorys);

    Reply asAdmin = use(links(tenant, adminsOnly, "root", "admin").path("approve").asText(), null);
    assertThat(asAdmin.status()).as(asAdmin.raw()).isEqualTo(200);
    assertThat(asAdmin.body().path("status").asText()).isEqualTo("approved");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"approver", "viewer", "builder", "operator", "service"})
  void onlyAdminsMintLinks(String who) {
    String tenant = newTenant();
    inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());
    String token =
        who.equals("service")
            ? tokens.service(tenant, "svc-notify", "internal")
            : user(tenant, "someone-" + who, who);

    assertProblem(
        api().post(pathOf(request) + "/action-links", token, linkBody("bob", null)),
        403,
        "forbidden");
    assertThat(
            api()
                .post(
                    pathOf(request) + "/action-links",
                    tokens.service(tenant, "svc-notify", "admin"),
                    linkBody("bob", null))
                .status())
        .isEqualTo(201);
  }

  @Test
  void linksAreMintedOnlyForTheTenantsOwnPendingRequestsOnceItHasASecret() {
    String tenant = newTenant();
    JsonNode request = open(tenant, anApproval());
    String body = linkBody("bob", null);

    assertProblem(mintLinks(tenant, request, body), 409, "no-inbound-secret");
    inboundSecret(tenant);
    assertProblem(
        api().post("/v1/approvals/" + UUID.randomUUID() + "/action-links", admin(tenant), body),
        404,
        "not-found");
    assertProblem(
        api().post("/v1/approvals/not-a-uuid/action-links", admin(tenant), body), 404, "not-found");
    String other = newTenant();
    inboundSecret(other);
    Reply foreign = api().post(pathOf(request) + "/action-links", admin(other), body);
    assertProblem(foreign, 404, "not-found");
    assertThat(foreign.raw()).doesNotContain(tenant);

    assertThat(approve(request, approver(tenant, "alice")).status()).isEqualTo(200);
    assertProblem(mintLinks(tenant, request, body), 409, "approval-closed");
  }

  @Test
  void linkBodiesAreChecked() {
    String tenant = newTenant();
    inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());

    for (String tooLong : List.of("P8D", "PT0S", "-PT1H")) {
      Reply reply = mintLinks(tenant, request, linkBody("bob", tooLong));
      assertProblem(reply, 422, "validation-failed");
      assertThat(reply.errorPointers()).as(reply.raw()).containsExactly("/validFor");
    }
    Map<String, String> shapes =
        Map.of(
            linkBody("bob", "tomorrow"),
            "/validFor",
            linkBody("bob", null, "viewer"),
            "/approver/roles",
            "{\"validFor\":\"PT1H\"}",
            "/approver",
            linkBody(" ", null),
            "/approver/subject",
            "{\"approver\":{\"subject\":\"bob\"},\"verdict\":\"approve\"}",
            "/verdict");
    for (Map.Entry<String, String> shape : shapes.entrySet()) {
      Reply reply = mintLinks(tenant, request, shape.getKey());
      assertProblem(reply, 400, "invalid-request");
      assertThat(reply.errorPointers()).as(reply.raw()).containsExactly(shape.getValue());
    }

    Reply week = mintLinks(tenant, request, linkBody("bob", "P7D"));
    assertThat(week.status()).as(week.raw()).isEqualTo(201);
    assertThat(Instant.parse(week.body().path("expiresAt").asText()))
        .isAfter(Instant.now().plus(Duration.ofDays(7)).minusSeconds(60));
  }

  @Test
  void tamperedAndForeignLinksAreRefused() {
    String tenant = newTenant();
    inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());
    String approveUrl = links(tenant, request, "bob").path("approve").asText();
    String path = pathOfLink(approveUrl);
    String token = path.substring(path.lastIndexOf('/') + 1);
    int dot = token.indexOf('.');
    assertThat(dot).isPositive();
    String base = "/v1/webhooks/inbound/" + tenant + "/links/";

    List<String> forgeries =
        List.of(
            flip(token, dot / 2), // a character of the claims
            flip(token, dot + (token.length() - dot) / 2), // a character of the signature
            token.substring(0, dot), // no signature
            token + ".x",
            "not-a-link");
    for (String forged : forgeries) {
      assertProblem(api().get(base + forged, null), 401, "invalid-link");
      assertProblem(api().post(base + forged, null, null), 401, "invalid-link");
    }
    // Claims of the caller's choosing signed with a key of their own.
    String bogusClaims =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                ("{\"id\":\"x\",\"approvalId\":\""
                        + request.path("id").asText()
                        + "\",\"approver\":\"eve\",\"roles\":[\"admin\"],\"verdict\":\"approve\","
                        + "\"exp\":4102444800}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertProblem(
        api().post(base + bogusClaims + "." + token.substring(dot + 1), null, null),
        401,
        "invalid-link");

    // The same token under another tenant's path, with and without a secret of its own.
    String withSecret = newTenant();
    inboundSecret(withSecret);
    String withoutSecret = newTenant();
    for (String other : List.of(withSecret, withoutSecret)) {
      assertProblem(
          api().get("/v1/webhooks/inbound/" + other + "/links/" + token, null),
          401,
          "invalid-link");
      assertProblem(
          api().post("/v1/webhooks/inbound/" + other + "/links/" + token, null, null),
          401,
          "invalid-link");
    }

    assertUntouched(tenant, request);
    assertThat(inboundRows.messageChannels(tenant)).isEmpty();
    assertThat(inboundRows.messageChannels(withSecret)).isEmpty();
    Reply genuine = use(approveUrl, null);
    assertThat(genuine.status()).as(genuine.raw()).isEqualTo(200);
  }

  @Test
  void anExpiredLinkIsRefused() {
    String tenant = newTenant();
    inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval());
    Reply minted = mintLinks(tenant, request, linkBody("bob", "PT1S"));
    assertThat(minted.status()).as(minted.raw()).isEqualTo(201);
    String approveUrl = minted.body().path("approve").asText();
    Instant expiresAt = Instant.parse(minted.body().path("expiresAt").asText());
    assertThat(expiresAt).isBefore(Instant.now().plusSeconds(2));

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> preview(approveUrl).status() == 401);

    assertThat(Instant.now()).isAfterOrEqualTo(expiresAt.truncatedTo(ChronoUnit.SECONDS));
    assertProblem(preview(approveUrl), 401, "link-expired");
    assertProblem(use(approveUrl, null), 401, "link-expired");
    assertUntouched(tenant, request);
    assertThat(inboundRows.messageChannels(tenant)).isEmpty();
  }

  @Test
  void aLinkMadeBeforeARotationWorksDuringTheWindowOnly() {
    String tenant = newTenant();
    inboundSecret(tenant);
    JsonNode request = open(tenant, anApproval().requiring(2));
    JsonNode beforeRotation = links(tenant, request, "bob");
    JsonNode alsoBefore = links(tenant, request, "carol");
    inboundSecret(tenant);

    Reply duringWindow = use(beforeRotation.path("approve").asText(), null);
    assertThat(duringWindow.status()).as(duringWindow.raw()).isEqualTo(200);

    inboundRows.expirePreviousSecret(tenant);
    assertProblem(use(alsoBefore.path("approve").asText(), null), 401, "invalid-link");
    assertThat(view(tenant, request).path("approvals").asInt()).isEqualTo(1);
  }

  private static String flip(String token, int index) {
    char c = token.charAt(index);
    char replacement = c == 'A' ? 'B' : 'A';
    return token.substring(0, index) + replacement + token.substring(index + 1);
  }

  private static ApprovalRequested requested(String tenant, UUID approvalId) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    return new ApprovalRequested(
        UUID.randomUUID(),
        now,
        1,
        tenant,
        approvalId,
        ApprovalKind.TOOL_CALL,
        ApprovalSubject.toolCall(UUID.randomUUID(), "call-1"),
        new Requester("user-operator", List.of("operator"), PrincipalType.USER),
        "Wire 1250 EUR to ACME",
        "The invoice agent wants to pay.",
        ServiceApi.JSON.createObjectNode().put("toolName", "wire-transfer"),
        new ApprovalPolicy(
            1, List.of("approver", "admin"), true, now.plusSeconds(3600), ExpiryOutcome.REJECT));
  }
}
