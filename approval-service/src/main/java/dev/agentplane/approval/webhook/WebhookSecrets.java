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
import java.util.TreeMap;
import java.util.UUID;

/**
 * Standard Webhooks secrets, both directions: minted as {@code whsec_} + base64 of 32 random bytes,
 * sealed at rest with AES-256-GCM bound to the tenant and what the secret is for (a subscription's
 * signing secret, the tenant's inbound decision secret), opened only to sign, verify or re-seal.
 * The current key seals, any configured key opens (README § Rotating the webhook secrets key).
 */
@Singleton
public class WebhookSecrets {

  private static final int SECRET_BYTES = 32;
  // Dev only: lets `./agentplane up` work out of the box; a deployment sets its own key.
  private static final String DEV_KEY_ID = "dev";
  private static final String DEV_KEY = "YWdlbnRwbGFuZS1kZXYtd2ViaG9va3Mta2V5LTMyYnk=";
  private static final String SINGLE_KEY_PROPERTY = "agentplane.approval.webhooks.secret-key";
  private static final String KEYS_PROPERTY = "agentplane.approval.webhooks.secret-keys";
  private static final String CURRENT_KEY_PROPERTY =
      "agentplane.approval.webhooks.current-secret-key-id";

  /** The longest a rotation may keep the rotated-out secret valid. */
  public static final Duration MAX_PREVIOUS_SECRET_VALIDITY = Duration.ofDays(7);

  /** The request field a rotation names its overlap window with. */
  public static final String PREVIOUS_SECRET_VALIDITY_FIELD = "previousSecretValidity";

  private final SecureRandom random = new SecureRandom();
  private final AesGcmSealer sealer;

  WebhookSecrets(WebhookSettings settings) {
    Map<String, String> keys = configuredKeys(settings);
    this.sealer =
        AesGcmSealer.fromConfig(
            KEYS_PROPERTY,
            "AGENTPLANE_WEBHOOK_SECRETS_KEY",
            currentKeyId(settings.currentSecretKeyId(), keys),
            keys,
            DEV_KEY_ID,
            DEV_KEY);
  }

  /**
   * The keys that open, by id: each of {@code secret-keys}, and the single {@code secret-key} of
   * earlier configurations under the id of its fingerprint (what the rows it sealed record, so they
   * keep opening). A blank value (an unset environment variable) is no key.
   */
  static Map<String, String> configuredKeys(WebhookSettings settings) {
    Map<String, String> keys = new TreeMap<>();
    if (settings.secretKeys() != null) {
      settings
          .secretKeys()
          .forEach(
              (id, key) -> {
                if (key != null && !key.isBlank()) {
                  keys.put(id, key.trim());
                }
              });
    }
    String single = settings.secretKey();
    if (single != null && !single.isBlank()) {
      String id = fingerprint(single.trim());
      String named = keys.putIfAbsent(id, single.trim());
      if (named != null && !named.equals(single.trim())) {
        throw new IllegalStateException(
            KEYS_PROPERTY + "." + id + " is not " + SINGLE_KEY_PROPERTY + ", whose id it takes");
      }
    }
    return keys;
  }

  /**
   * The key that seals: the one named, else the only one (null without any: the dev key). With
   * several keys, guessing could seal with a key about to be retired, so one must be named.
   */
  private static String currentKeyId(String named, Map<String, String> keys) {
    if (named != null && !named.isBlank()) {
      if (!keys.containsKey(named.trim())) {
        throw new IllegalStateException(
            CURRENT_KEY_PROPERTY + " names no configured key: " + named.trim());
      }
      return named.trim();
    }
    if (keys.size() > 1) {
      throw new IllegalStateException(
          "Several webhook secret keys are configured "
              + keys.keySet()
              + ": set "
              + CURRENT_KEY_PROPERTY);
    }
    return null;
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

  /**
   * The subscription's secret sealed with the current key: {@code sealed} itself when it already
   * is, else opened and sealed anew (the secret stays in this class).
   *
   * @throws IllegalStateException when no configured key opens it
   */
  AesGcmSealer.Sealed resealed(String tenantId, UUID subscriptionId, AesGcmSealer.Sealed sealed) {
    if (sealed.keyId().equals(currentKeyId())) {
      return sealed;
    }
    return seal(tenantId, subscriptionId, open(tenantId, subscriptionId, sealed));
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

  /**
   * One of the tenant's own secrets sealed with the current key: {@code sealed} itself when it
   * already is, else opened and sealed anew.
   *
   * @throws IllegalStateException when no configured key opens it
   */
  public AesGcmSealer.Sealed resealedTenantSecret(
      String tenantId, String purpose, AesGcmSealer.Sealed sealed) {
    if (sealed.keyId().equals(currentKeyId())) {
      return sealed;
    }
    return sealTenantSecret(tenantId, purpose, openTenantSecret(tenantId, purpose, sealed));
  }

  /** The key values are sealed with now; a value sealed with another is due for re-sealing. */
  public String currentKeyId() {
    return sealer.currentKeyId();
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
