package dev.agentplane.approval.webhook;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a subscriber's receiver does with a Standard Webhooks message, written from the
 * specification and deliberately not using the production {@link StandardWebhooks}: the signed
 * content is {@code id.timestamp.body}, the key is the base64 after {@code whsec_}, and any {@code
 * v1,} entry of the space-separated header may match.
 */
final class IndependentVerifier {

  private IndependentVerifier() {}

  static boolean verifies(Receiver.Received message, String secret) {
    String id = message.header("webhook-id");
    String timestamp = message.header("webhook-timestamp");
    String signatures = message.header("webhook-signature");
    if (id == null || timestamp == null || signatures == null) {
      return false;
    }
    Instant sentAt = Instant.ofEpochSecond(Long.parseLong(timestamp));
    if (Duration.between(sentAt, Instant.now()).abs().compareTo(Duration.ofMinutes(5)) > 0) {
      return false;
    }
    byte[] expected;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(
          new SecretKeySpec(
              Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
      mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
      expected = mac.doFinal(message.body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    for (String signature : signatures.split(" ")) {
      if (signature.startsWith("v1,")
          && MessageDigest.isEqual(expected, Base64.getDecoder().decode(signature.substring(3)))) {
        return true;
      }
    }
    return false;
  }
}
