package dev.agentplane.acceptance;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures, written from the specification (standardwebhooks.com), not from the
 * platform's code: {@code v1,} + base64 of HMAC-SHA256 over {@code id.timestamp.body}, keyed with
 * the base64 after {@code whsec_}. The suite signs inbound decisions and checks outbound deliveries
 * with it, as a tenant's integration would.
 */
public final class WebhookSignature {

  private WebhookSignature() {}

  /** The {@code webhook-signature} value for one message. */
  public static String sign(String secret, String messageId, long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key(secret), "HmacSHA256"));
      byte[] digest =
          mac.doFinal((messageId + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Whether any of the space-separated signatures in {@code signatureHeader} is this secret's
   * signature of the message (compared in constant time).
   */
  public static boolean verifies(
      String secret, String messageId, String timestamp, String body, String signatureHeader) {
    byte[] expected =
        sign(secret, messageId, Long.parseLong(timestamp), body).getBytes(StandardCharsets.UTF_8);
    return Arrays.stream(signatureHeader.split(" "))
        .anyMatch(
            candidate ->
                MessageDigest.isEqual(expected, candidate.getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] key(String secret) {
    if (!secret.startsWith("whsec_")) {
      throw new IllegalArgumentException("Not a Standard Webhooks secret");
    }
    return Base64.getDecoder().decode(secret.substring("whsec_".length()));
  }
}
