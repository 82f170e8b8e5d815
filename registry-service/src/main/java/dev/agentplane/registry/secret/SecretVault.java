package dev.agentplane.registry.secret;

import dev.agentplane.kit.sealing.AesGcmSealer;
import jakarta.inject.Singleton;

/**
 * Seals and opens tenant secret values with the kit's AES-256-GCM sealer. The tenant and secret
 * name are the associated data, so a sealed value copied onto another row (or another tenant) fails
 * to open instead of leaking.
 */
@Singleton
public class SecretVault {

  // Dev only: lets `./agentplane up` work out of the box; a deployment sets its own keys.
  private static final String DEV_KEY_ID = "dev";
  private static final String DEV_KEY = "YWdlbnRwbGFuZS1kZXYtc2VjcmV0cy1rZXktMzJieXQ=";

  private final AesGcmSealer sealer;

  public SecretVault(SecretKeys config) {
    this.sealer =
        AesGcmSealer.fromConfig(
            "agentplane.registry.secrets",
            "AGENTPLANE_SECRETS_KEY",
            config.currentKeyId(),
            config.keys(),
            DEV_KEY_ID,
            DEV_KEY);
  }

  public AesGcmSealer.Sealed seal(String tenantId, String name, String value) {
    return sealer.seal(value, associatedData(tenantId, name));
  }

  public String open(String tenantId, String name, AesGcmSealer.Sealed sealed) {
    return sealer.open(sealed, associatedData(tenantId, name), "Secret " + name);
  }

  /** The key {@link #seal} uses now; a value sealed with another is due for re-sealing. */
  public String currentKeyId() {
    return sealer.currentKeyId();
  }

  private static String associatedData(String tenantId, String name) {
    return tenantId + "\u0000" + name;
  }
}
