package dev.agentplane.registry.secret;

import jakarta.inject.Singleton;
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
 * Seals and opens secret values with AES-256-GCM. The tenant and secret name are the associated
 * data, so a sealed value copied onto another row (or another tenant) fails to open instead of
 * leaking.
 */
@Singleton
public class SecretVault {

  /** A value as stored: which key sealed it, the GCM nonce, and the ciphertext with its tag. */
  public record Sealed(String keyId, byte[] nonce, byte[] ciphertext) {}

  private static final Logger LOG = LoggerFactory.getLogger(SecretVault.class);
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  // Dev only: lets `./agentplane up` work out of the box; a deployment sets its own keys.
  private static final String DEV_KEY_ID = "dev";
  private static final String DEV_KEY = "YWdlbnRwbGFuZS1kZXYtc2VjcmV0cy1rZXktMzJieXQ=";

  private final SecureRandom random = new SecureRandom();
  private final String currentKeyId;
  private final Map<String, SecretKey> keys = new HashMap<>();

  public SecretVault(SecretKeys config) {
    Map<String, String> configured = new HashMap<>();
    if (config.keys() != null) {
      // An unset AGENTPLANE_SECRETS_KEY leaves an empty entry behind: not a key.
      config
          .keys()
          .forEach(
              (id, key) -> {
                if (key != null && !key.isBlank()) {
                  configured.put(id, key);
                }
              });
    }
    if (configured.isEmpty()) {
      LOG.warn(
          "No agentplane.registry.secrets.keys configured: sealing secrets with the built-in dev"
              + " key. Set AGENTPLANE_SECRETS_KEY outside development.");
      configured.put(DEV_KEY_ID, DEV_KEY);
    }
    configured.forEach((id, base64) -> keys.put(id, aesKey(id, base64)));
    if (config.currentKeyId() == null && configured.size() > 1) {
      throw new IllegalStateException(
          "Several secrets keys are configured: set agentplane.registry.secrets.current-key-id");
    }
    this.currentKeyId =
        config.currentKeyId() != null
            ? config.currentKeyId()
            : configured.keySet().iterator().next();
    if (!keys.containsKey(currentKeyId)) {
      throw new IllegalStateException(
          "agentplane.registry.secrets.current-key-id names no configured key: " + currentKeyId);
    }
  }

  public Sealed seal(String tenantId, String name, String value) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, keys.get(currentKeyId), nonce, tenantId, name);
      return new Sealed(
          currentKeyId, nonce, cipher.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM sealing failed", e);
    }
  }

  public String open(String tenantId, String name, Sealed sealed) {
    SecretKey key = keys.get(sealed.keyId());
    if (key == null) {
      throw new IllegalStateException(
          "Secret "
              + name
              + " was sealed with key "
              + sealed.keyId()
              + ", which is not configured");
    }
    try {
      Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, sealed.nonce(), tenantId, name);
      return new String(cipher.doFinal(sealed.ciphertext()), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "Secret " + name + " does not open: tampered or misplaced", e);
    }
  }

  private static Cipher cipher(int mode, SecretKey key, byte[] nonce, String tenantId, String name)
      throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
    cipher.updateAAD((tenantId + "\u0000" + name).getBytes(StandardCharsets.UTF_8));
    return cipher;
  }

  private static SecretKey aesKey(String id, String base64) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("Secrets key " + id + " is not base64", e);
    }
    if (bytes.length != 32) {
      throw new IllegalStateException(
          "Secrets key " + id + " must be 32 bytes (AES-256), is " + bytes.length);
    }
    return new SecretKeySpec(bytes, "AES");
  }
}
