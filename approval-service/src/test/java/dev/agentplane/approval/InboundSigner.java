package dev.agentplane.approval;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a tenant's integration (a chat bot, a ticketing system) does to sign an inbound decision,
 * written from the Standard Webhooks specification and deliberately not using the production {@code
 * StandardWebhooks}: the signed content is {@code id.timestamp.body}, the HMAC-SHA256 key is the
 * base64 after {@code whsec_}, the header is {@code v1,<base64>}.
 */
public final class InboundSigner {

  /** One signed message, kept whole so a test can send it again byte for byte. */
  public record Message(String id, long timestamp, String body, String signature) {

    public Map<String, String> headers() {
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("webhook-id", id);
      headers.put("webhook-timestamp", Long.toString(timestamp));
      headers.put("webhook-signature", signature);
      return headers;
    }

    /** The same message with another signature header value. */
    Message withSignature(String other) {
      return new Message(id, timestamp, body, other);
    }
  }

  private InboundSigner() {}

  /** A new message (fresh webhook-id) signed now with the secret. */
  public static Message signed(String secret, String body) {
    return signedAt(secret, body, Instant.now());
  }

  static Message signedAt(String secret, String body, Instant at) {
    String id = "msg_" + UUID.randomUUID();
    long timestamp = at.getEpochSecond();
    return new Message(id, timestamp, body, "v1," + hmac(secret, id, timestamp, body));
  }

  /** The same id and body, signed again with a fresh timestamp (what a retrying sender does). */
  static Message resigned(Message message, String secret) {
    long timestamp = Instant.now().getEpochSecond();
    return new Message(
        message.id(),
        timestamp,
        message.body(),
        "v1," + hmac(secret, message.id(), timestamp, message.body()));
  }

  /** A secret the service never made, in the same form. */
  static String strangerSecret() {
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }

  static String hmac(String secret, String id, long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(
          new SecretKeySpec(
              Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
      byte[] digest =
          mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
