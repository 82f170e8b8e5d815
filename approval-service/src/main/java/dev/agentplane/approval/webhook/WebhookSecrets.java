package dev.agentplane.approval.webhook;

import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.ValidationFailedException;
import dev.agentplane.kit.sealing.AesGcmSealer;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Standard Webhooks secrets, both directions: minted as {@code whsec_} + base64 of 32 random bytes,
 * sealed at rest with AES-256-GCM bound to the tenant and what the secret is for (a subscription's
 * signing secret, the tenant's inbound decision secret), opened only to sign or verify.
 */
@Singleton
public class WebhookSecrets {

  private static final int SECRET_BYTES = 32;
  // Dev only: lets `./agentplane up` work out of the box; a deployment sets its own key.
  private static final String DEV_KEY_ID = "dev";
  private static final String DEV_KEY = "YWdlbnRwbGFuZS1kZXYtd2ViaG9va3Mta2V5LTMyYnk=";

  /** The longest a rotation may keep the rotated-out secret valid. */
  public static final Duration MAX_PREVIOUS_SECRET_VALIDITY = Duration.ofDays(7);

  /** The request field a rotation names its overlap window with. */
  public static final String PREVIOUS_SECRET_VALIDITY_FIELD = "previousSecretValidity";

  private final SecureRandom random = new SecureRandom();
  private final AesGcmSealer sealer;

  WebhookSecrets(WebhookSettings settings) {
    String key = settings.secretKey();
    // One configured key; its id is a fingerprint, so a row sealed under a key that has since been
    // replaced says so instead of failing as "tampered".
    Map<String, String> keys =
        key == null || key.isBlank() ? Map.of() : Map.of(fingerprint(key.trim()), key);
    this.sealer =
        AesGcmSealer.fromConfig(
            "agentplane.approval.webhooks.secret-key",
            "AGENTPLANE_WEBHOOK_SECRETS_KEY",
            null,
            keys,
            DEV_KEY_ID,
            DEV_KEY);
  }

  /** A new secret, shown to its holder once. */
  public String mint() {
    byte[] bytes = new byte[SECRET_BYTES];
    random.nextBytes(bytes);
    return StandardWebhooks.SECRET_PREFIX + Base64.getEncoder().encodeToString(bytes);
  }

  /**
   * How long a rotated-out secret stays valid beside the new one: what the rotation asked for (zero
   * retires it at once, e.g. because it leaked), else the configured default.
   *
   * @throws ValidationFailedException naming {@code /previousSecretValidity} when the request is
   *     negative or longer than {@link #MAX_PREVIOUS_SECRET_VALIDITY}
   */
  public static Duration previousSecretValidity(Duration requested, Duration configured) {
    if (requested == null) {
      return configured;
    }
    if (requested.isNegative() || requested.compareTo(MAX_PREVIOUS_SECRET_VALIDITY) > 0) {
      String pointer = "/" + PREVIOUS_SECRET_VALIDITY_FIELD;
      throw new ValidationFailedException(
          "The rotation is not valid: [" + pointer + "]",
          List.of(
              new FieldError(
                  pointer,
                  "out_of_range",
                  PREVIOUS_SECRET_VALIDITY_FIELD
                      + " must be between PT0S (retire the old secret at once) and "
                      + MAX_PREVIOUS_SECRET_VALIDITY)));
    }
    return requested;
  }

  AesGcmSealer.Sealed seal(String tenantId, UUID subscriptionId, String secret) {
    return sealer.seal(secret, associatedData(tenantId, subscriptionId));
  }

  String open(String tenantId, UUID subscriptionId, AesGcmSealer.Sealed sealed) {
    return sealer.open(
        sealed,
        associatedData(tenantId, subscriptionId),
        "The signing secret of webhook " + subscriptionId);
  }

  /** Seals one of the tenant's own secrets, e.g. {@code inbound-decisions}. */
  public AesGcmSealer.Sealed sealTenantSecret(String tenantId, String purpose, String secret) {
    return sealer.seal(secret, tenantSecretData(tenantId, purpose));
  }

  public String openTenantSecret(String tenantId, String purpose, AesGcmSealer.Sealed sealed) {
    return sealer.open(
        sealed,
        tenantSecretData(tenantId, purpose),
        "The " + purpose + " secret of tenant " + tenantId);
  }

  private static String tenantSecretData(String tenantId, String purpose) {
    return tenantId + "\u0000tenant\u0000" + purpose;
  }

  private static String associatedData(String tenantId, UUID subscriptionId) {
    return tenantId + "\u0000webhook\u0000" + subscriptionId;
  }

  private static String fingerprint(String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return "k-" + HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
