package dev.agentplane.approval.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Standard Webhooks signature scheme (standardwebhooks.com, spec § Signature scheme), the one
 * place the platform signs outbound and verifies inbound webhooks: {@code webhook-id}, {@code
 * webhook-timestamp} (unix seconds) and {@code webhook-signature}, a space-separated list of {@code
 * v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>}. Secrets are {@code whsec_} + base64 of the
 * key bytes.
 */
public final class StandardWebhooks {

  public static final String ID_HEADER = "webhook-id";
  public static final String TIMESTAMP_HEADER = "webhook-timestamp";
  public static final String SIGNATURE_HEADER = "webhook-signature";
  public static final String SECRET_PREFIX = "whsec_";

  /** How far a timestamp may be from now, either way, before a message counts as replayed. */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

  private static final String VERSION = "v1";

  /** What checking a message's headers against its body and the receiver's secrets found. */
  public sealed interface Verification {
    /** A signature matched one of the secrets and the timestamp is within tolerance. */
    record Valid(String messageId, Instant timestamp) implements Verification {}

    /** No {@code v1} signature matched any secret (or the secrets could not be read). */
    record BadSignature() implements Verification {}

    /** The timestamp is further from now than the tolerance: a replay, or a badly wrong clock. */
    record StaleTimestamp(Instant timestamp) implements Verification {}

    /** Headers absent or not in the scheme's form (e.g. a timestamp that is not unix seconds). */
    record MissingHeaders(List<String> headers) implements Verification {}
  }

  private StandardWebhooks() {}

  /** One {@code v1,<base64>} signature of the message with the secret. */
  public static String sign(String secret, String messageId, long timestampSeconds, byte[] body) {
    return VERSION
        + ","
        + Base64.getEncoder().encodeToString(hmac(secret, messageId, timestampSeconds, body));
  }

  /**
   * The {@code webhook-signature} value for several secrets, space-separated: while a rotated-out
   * secret is still valid both sign, so a receiver holding either verifies.
   */
  public static String signatureHeader(
      List<String> secrets, String messageId, long timestampSeconds, byte[] body) {
    List<String> signatures = new ArrayList<>(secrets.size());
    for (String secret : secrets) {
      signatures.add(sign(secret, messageId, timestampSeconds, body));
    }
    return String.join(" ", signatures);
  }

  /**
   * Verifies a received message: the headers (names case-insensitive), the raw body bytes, the
   * receiver's secrets (any may match), the tolerance for the timestamp, and the current time.
   * Signatures are compared in constant time.
   */
  public static Verification verify(
      Map<String, String> headers,
      byte[] body,
      List<String> secrets,
      Duration tolerance,
      Instant now) {
    String id = header(headers, ID_HEADER);
    String timestampText = header(headers, TIMESTAMP_HEADER);
    String signatures = header(headers, SIGNATURE_HEADER);
    List<String> missing = new ArrayList<>();
    if (id == null || id.isBlank()) {
      missing.add(ID_HEADER);
    }
    long timestamp = 0;
    if (timestampText == null || !timestampText.trim().matches("\\d{1,18}")) {
      missing.add(TIMESTAMP_HEADER);
    } else {
      timestamp = Long.parseLong(timestampText.trim());
    }
    if (signatures == null || signatures.isBlank()) {
      missing.add(SIGNATURE_HEADER);
    }
    if (!missing.isEmpty()) {
      return new Verification.MissingHeaders(List.copyOf(missing));
    }
    Instant sentAt = Instant.ofEpochSecond(timestamp);
    if (Duration.between(sentAt, now).abs().compareTo(tolerance) > 0) {
      return new Verification.StaleTimestamp(sentAt);
    }
    for (String secret : secrets) {
      byte[] expected;
      try {
        expected = hmac(secret, id, timestamp, body);
      } catch (IllegalArgumentException e) {
        continue; // a malformed secret matches nothing
      }
      for (String candidate : signatures.trim().split("\\s+")) {
        int comma = candidate.indexOf(',');
        if (comma < 0 || !candidate.substring(0, comma).equals(VERSION)) {
          continue; // other versions (e.g. v1a, asymmetric) are not ours to check
        }
        byte[] given;
        try {
          given = Base64.getDecoder().decode(candidate.substring(comma + 1));
        } catch (IllegalArgumentException e) {
          continue;
        }
        if (MessageDigest.isEqual(expected, given)) {
          return new Verification.Valid(id, sentAt);
        }
      }
    }
    return new Verification.BadSignature();
  }

  /**
   * The key bytes of a secret: base64 after the {@code whsec_} prefix (the prefix is optional).
   *
   * @throws IllegalArgumentException when the rest is not base64
   */
  public static byte[] keyBytes(String secret) {
    String encoded =
        secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
    return Base64.getDecoder().decode(encoded);
  }

  private static byte[] hmac(String secret, String messageId, long timestampSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(keyBytes(secret), "HmacSHA256"));
      mac.update((messageId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  private static String header(Map<String, String> headers, String name) {
    for (Map.Entry<String, String> entry : headers.entrySet()) {
      if (entry.getKey() != null && entry.getKey().equalsIgnoreCase(name)) {
        return entry.getValue();
      }
    }
    return null;
  }
}
