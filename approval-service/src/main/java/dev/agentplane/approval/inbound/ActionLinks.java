package dev.agentplane.approval.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.approval.request.Verdict;
import dev.agentplane.approval.webhook.StandardWebhooks;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One-time action links: a token naming one request, one approver (with the roles the tenant
 * vouches for), one verdict and an expiry, signed with the tenant's decision-callback secret. The
 * token is {@code base64url(claims JSON) "." base64url(HMAC-SHA256)}; the MAC covers a fixed label
 * and the claims, so a link can never pass as a webhook signature or the other way round.
 */
@Singleton
class ActionLinks {

  private static final String MAC_LABEL = "agentplane-action-link.v1.";
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  /** What a verified link says. */
  record Claims(
      String linkId,
      UUID approvalId,
      String approver,
      Set<String> roles,
      Verdict verdict,
      Instant expiresAt) {}

  /** Why a link does not verify. */
  enum Refusal {
    MALFORMED,
    BAD_SIGNATURE,
    EXPIRED
  }

  /** The outcome of reading a link: its claims, or why not. */
  record Reading(Claims claims, Refusal refusal) {
    boolean valid() {
      return claims != null;
    }
  }

  // A plain Jackson mapper of its own: the service's JSON beans are Micronaut Serde's, there is no
  // ObjectMapper bean to inject (as ApprovalRepository and ApprovalNotices do).
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A token for the claims, signed with the tenant's current secret. */
  String make(Claims claims, String secret) {
    ObjectNode body = JSON.createObjectNode();
    body.put("id", claims.linkId());
    body.put("approvalId", claims.approvalId().toString());
    body.put("approver", claims.approver());
    claims.roles().stream().sorted().forEach(body.putArray("roles")::add);
    body.put("verdict", claims.verdict().wireValue());
    body.put("exp", claims.expiresAt().getEpochSecond());
    String encoded;
    try {
      encoded = ENCODER.encodeToString(JSON.writeValueAsBytes(body));
    } catch (IOException e) {
      throw new IllegalStateException("An action link's claims could not be written", e);
    }
    return encoded + "." + ENCODER.encodeToString(mac(secret, encoded));
  }

  /** Reads a token against the tenant's verifying secrets (newest first). */
  Reading read(String token, List<String> secrets, Instant now) {
    int dot = token.indexOf('.');
    if (dot <= 0 || dot == token.length() - 1 || token.indexOf('.', dot + 1) >= 0) {
      return refused(Refusal.MALFORMED);
    }
    String encoded = token.substring(0, dot);
    byte[] given;
    try {
      given = DECODER.decode(token.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      return refused(Refusal.MALFORMED);
    }
    boolean signed = false;
    for (String secret : secrets) {
      if (MessageDigest.isEqual(mac(secret, encoded), given)) {
        signed = true;
        break;
      }
    }
    if (!signed) {
      return refused(Refusal.BAD_SIGNATURE);
    }
    Optional<Claims> claims = claims(encoded);
    if (claims.isEmpty()) {
      // Signed by the tenant's key but unreadable: made by something other than this service.
      return refused(Refusal.MALFORMED);
    }
    if (!now.isBefore(claims.get().expiresAt())) {
      return refused(Refusal.EXPIRED);
    }
    return new Reading(claims.get(), null);
  }

  private Optional<Claims> claims(String encoded) {
    try {
      JsonNode body = JSON.readTree(DECODER.decode(encoded));
      Set<String> roles = new TreeSet<>();
      body.path("roles").forEach(role -> roles.add(role.asText()));
      Optional<Verdict> verdict = Verdict.fromWire(body.path("verdict").asText());
      if (!body.path("id").isTextual()
          || !body.path("approver").isTextual()
          || !body.path("exp").canConvertToLong()
          || verdict.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          new Claims(
              body.path("id").asText(),
              UUID.fromString(body.path("approvalId").asText()),
              body.path("approver").asText(),
              roles,
              verdict.get(),
              Instant.ofEpochSecond(body.path("exp").asLong())));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static Reading refused(Refusal refusal) {
    return new Reading(null, refusal);
  }

  private static byte[] mac(String secret, String encodedClaims) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(StandardWebhooks.keyBytes(secret), "HmacSHA256"));
      mac.update(MAC_LABEL.getBytes(StandardCharsets.UTF_8));
      return mac.doFinal(encodedClaims.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }
}
