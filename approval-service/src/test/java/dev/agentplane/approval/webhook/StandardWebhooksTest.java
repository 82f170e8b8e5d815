package dev.agentplane.approval.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentplane.approval.webhook.StandardWebhooks.Verification;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Standard Webhooks scheme, checked against the example the specification publishes. */
class StandardWebhooksTest {

  // standard-webhooks/spec, "Signature scheme" example (also the libraries' shared test vector).
  private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  private static final long SPEC_TIMESTAMP = 1614265330L;
  private static final byte[] SPEC_BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
  private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  private static final Instant SPEC_NOW = Instant.ofEpochSecond(SPEC_TIMESTAMP);
  private static final String OTHER_SECRET =
      "whsec_" + "b3RoZXItc2VjcmV0LW9mLTMyLWJ5dGVzLWxvbmctLS0=";

  private static Map<String, String> headers(String id, String timestamp, String signature) {
    return Map.of("Webhook-Id", id, "WEBHOOK-TIMESTAMP", timestamp, "webhook-signature", signature);
  }

  @Test
  void signingTheSpecificationsExampleGivesItsPublishedSignature() {
    assertThat(StandardWebhooks.sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY))
        .isEqualTo(SPEC_SIGNATURE);
  }

  @Test
  void theSpecificationsExampleVerifiesWithHeaderNamesInAnyCase() {
    Verification result =
        StandardWebhooks.verify(
            headers(SPEC_ID, "1614265330", SPEC_SIGNATURE),
            SPEC_BODY,
            List.of(SPEC_SECRET),
            StandardWebhooks.DEFAULT_TOLERANCE,
            SPEC_NOW.plusSeconds(60));

    assertThat(result).isEqualTo(new Verification.Valid(SPEC_ID, SPEC_NOW));
  }

  @Test
  void duringRotationEitherSecretVerifiesTheTwoSignatureHeader() {
    String header =
        StandardWebhooks.signatureHeader(
            List.of(OTHER_SECRET, SPEC_SECRET), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);

    assertThat(header.split(" ")).hasSize(2).contains(SPEC_SIGNATURE);
    for (String secret : List.of(OTHER_SECRET, SPEC_SECRET)) {
      assertThat(
              StandardWebhooks.verify(
                  headers(SPEC_ID, "1614265330", header),
                  SPEC_BODY,
                  List.of(secret),
                  StandardWebhooks.DEFAULT_TOLERANCE,
                  SPEC_NOW))
          .isInstanceOf(Verification.Valid.class);
    }
  }

  @Test
  void aChangedBodyIdOrTimestampOrTheWrongSecretIsABadSignature() {
    Duration tolerance = StandardWebhooks.DEFAULT_TOLERANCE;
    byte[] changedBody = "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8);

    assertThat(
            StandardWebhooks.verify(
                headers(SPEC_ID, "1614265330", SPEC_SIGNATURE),
                changedBody,
                List.of(SPEC_SECRET),
                tolerance,
                SPEC_NOW))
        .isInstanceOf(Verification.BadSignature.class);
    assertThat(
            StandardWebhooks.verify(
                headers("msg_other", "1614265330", SPEC_SIGNATURE),
                SPEC_BODY,
                List.of(SPEC_SECRET),
                tolerance,
                SPEC_NOW))
        .isInstanceOf(Verification.BadSignature.class);
    assertThat(
            StandardWebhooks.verify(
                headers(SPEC_ID, "1614265331", SPEC_SIGNATURE),
                SPEC_BODY,
                List.of(SPEC_SECRET),
                tolerance,
                SPEC_NOW))
        .isInstanceOf(Verification.BadSignature.class);
    assertThat(
            StandardWebhooks.verify(
                headers(SPEC_ID, "1614265330", SPEC_SIGNATURE),
                SPEC_BODY,
                List.of(OTHER_SECRET, "whsec_not*base64"),
                tolerance,
                SPEC_NOW))
        .isInstanceOf(Verification.BadSignature.class);
  }

  @Test
  void signaturesOfOtherVersionsOrGarbageNeverMatch() {
    String payload = SPEC_SIGNATURE.substring(3);
    for (String header : List.of("v1a," + payload, payload, "v2," + payload, "v1,@@@ v1,")) {
      assertThat(
              StandardWebhooks.verify(
                  headers(SPEC_ID, "1614265330", header),
                  SPEC_BODY,
                  List.of(SPEC_SECRET),
                  StandardWebhooks.DEFAULT_TOLERANCE,
                  SPEC_NOW))
          .as(header)
          .isInstanceOf(Verification.BadSignature.class);
    }
  }

  @Test
  void aTimestampOutsideTheToleranceEitherWayIsStale() {
    for (Instant now : List.of(SPEC_NOW.plusSeconds(301), SPEC_NOW.minusSeconds(301))) {
      assertThat(
              StandardWebhooks.verify(
                  headers(SPEC_ID, "1614265330", SPEC_SIGNATURE),
                  SPEC_BODY,
                  List.of(SPEC_SECRET),
                  StandardWebhooks.DEFAULT_TOLERANCE,
                  now))
          .isEqualTo(new Verification.StaleTimestamp(SPEC_NOW));
    }
    assertThat(
            StandardWebhooks.verify(
                headers(SPEC_ID, "1614265330", SPEC_SIGNATURE),
                SPEC_BODY,
                List.of(SPEC_SECRET),
                StandardWebhooks.DEFAULT_TOLERANCE,
                SPEC_NOW.plusSeconds(300)))
        .isInstanceOf(Verification.Valid.class);
  }

  @Test
  void absentOrMalformedHeadersAreNamed() {
    assertThat(
            StandardWebhooks.verify(
                Map.of("webhook-timestamp", "yesterday"),
                SPEC_BODY,
                List.of(SPEC_SECRET),
                StandardWebhooks.DEFAULT_TOLERANCE,
                SPEC_NOW))
        .isEqualTo(
            new Verification.MissingHeaders(
                List.of("webhook-id", "webhook-timestamp", "webhook-signature")));
  }
}
