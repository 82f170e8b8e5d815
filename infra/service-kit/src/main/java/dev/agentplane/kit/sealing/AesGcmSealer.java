package dev.agentplane.kit.sealing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals and opens values at rest with AES-256-GCM under named keys: the current key seals, any
 * configured key opens (so keys rotate without re-encrypting at once). The caller's associated data
 * (e.g. tenant and name) is authenticated, so a sealed value copied onto another row fails to open
 * instead of leaking.
 */
public final class AesGcmSealer {

  /** A value as stored: which key sealed it, the GCM nonce, and the ciphertext with its tag. */
  public record Sealed(String keyId, byte[] nonce, byte[] ciphertext) {}

  private static final Logger LOG = LoggerFactory.getLogger(AesGcmSealer.class);
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecureRandom random = new SecureRandom();
  private final String currentKeyId;
  private final Map<String, SecretKey> keys = new HashMap<>();

  private AesGcmSealer(String currentKeyId, Map<String, SecretKey> keys) {
    this.currentKeyId = currentKeyId;
    this.keys.putAll(keys);
  }

  /**
   * Builds a sealer from configuration.
   *
   * @param configPrefix the configuration prefix, named in error messages and the warning
   * @param environmentHint the environment variable an operator sets, named in the warning
   * @param currentKeyId the key new values are sealed with; may be null when one key is configured
   * @param configured key id → base64 of 32 bytes; blank values (an unset env var) are ignored
   * @param devKeyId the id of the built-in development key used when nothing is configured
   * @param devKey base64 of the built-in development key (never for production, hence the warning)
   */
  public static AesGcmSealer fromConfig(
      String configPrefix,
      String environmentHint,
      String currentKeyId,
      Map<String, String> configured,
      String devKeyId,
      String devKey) {
    Map<String, String> usable = new HashMap<>();
    if (configured != null) {
      configured.forEach(
          (id, key) -> {
            if (key != null && !key.isBlank()) {
              usable.put(id, key);
            }
          });
    }
    if (usable.isEmpty()) {
      LOG.warn(
          "No {} key configured: sealing with the built-in dev key. Set {} outside development.",
          configPrefix,
          environmentHint);
      usable.put(devKeyId, devKey);
    }
    Map<String, SecretKey> keys = new HashMap<>();
    usable.forEach((id, base64) -> keys.put(id, aesKey(configPrefix, id, base64)));
    if (currentKeyId == null && usable.size() > 1) {
      throw new IllegalStateException(
          "Several "
              + configPrefix
              + " keys are configured: set "
              + configPrefix
              + ".current-key-id");
    }
    String current = currentKeyId != null ? currentKeyId : usable.keySet().iterator().next();
    if (!keys.containsKey(current)) {
      throw new IllegalStateException(
          configPrefix + ".current-key-id names no configured key: " + current);
    }
    return new AesGcmSealer(current, keys);
  }

  /** The key new values are sealed with: a value sealed with another key is due for re-sealing. */
  public String currentKeyId() {
    return currentKeyId;
  }

  /** Seals {@code plaintext} with the current key and a fresh nonce, bound to the data. */
  public Sealed seal(String plaintext, String associatedData) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, keys.get(currentKeyId), nonce, associatedData);
      return new Sealed(
          currentKeyId, nonce, cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM sealing failed", e);
    }
  }

  /**
   * Opens a sealed value with the same associated data it was sealed with.
   *
   * @param what names the value in error messages (never its content)
   * @throws IllegalStateException when its key is not configured or it was tampered with or moved
   */
  public String open(Sealed sealed, String associatedData, String what) {
    SecretKey key = keys.get(sealed.keyId());
    if (key == null) {
      throw new IllegalStateException(
          what + " was sealed with key " + sealed.keyId() + ", which is not configured");
    }
    try {
      Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, sealed.nonce(), associatedData);
      return new String(cipher.doFinal(sealed.ciphertext()), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(what + " does not open: tampered or misplaced", e);
    }
  }

  private static Cipher cipher(int mode, SecretKey key, byte[] nonce, String associatedData)
      throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
    cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
    return cipher;
  }

  private static SecretKey aesKey(String configPrefix, String id, String base64) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(configPrefix + " key " + id + " is not base64", e);
    }
    if (bytes.length != 32) {
      throw new IllegalStateException(
          configPrefix + " key " + id + " must be 32 bytes (AES-256), is " + bytes.length);
    }
    return new SecretKeySpec(bytes, "AES");
  }
}
