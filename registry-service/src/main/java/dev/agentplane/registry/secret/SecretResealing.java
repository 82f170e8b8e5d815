package dev.agentplane.registry.secret;

import dev.agentplane.kit.sealing.AesGcmSealer;
import dev.agentplane.kit.tenancy.JobsDataSource;
import dev.agentplane.registry.secret.SealedSecretsOfAllTenants.SealedRow;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-seals stored secret values with the current master key after a rotation, one batch per
 * transaction: every committed batch is done for good, so a run stopped half-way (a crash, a
 * deploy) leaves each value on the old key or the new, both of which open, and the next run picks
 * up what is left. A value already on the current key is never touched, so running again is a
 * no-op.
 */
@Singleton
public class SecretResealing {

  private static final Logger LOG = LoggerFactory.getLogger(SecretResealing.class);

  /** Where a pass through the table has got to: the last row looked at, in primary-key order. */
  public record Position(String tenantId, String name) {
    static final Position START = new Position("", "");
  }

  /**
   * What one batch did.
   *
   * @param resealed values now sealed with the current key
   * @param unopenable values that did not open with any configured key (left as they are)
   * @param next where the next batch starts, or null when the pass is complete
   */
  public record Batch(int resealed, int unopenable, Position next) {}

  private final SealedSecretsOfAllTenants secrets;
  private final SecretVault vault;

  SecretResealing(SealedSecretsOfAllTenants secrets, SecretVault vault) {
    this.secrets = secrets;
    this.vault = vault;
  }

  /** Re-seals up to {@code size} values after {@code from} that are on another key, and commits. */
  @Transactional(JobsDataSource.NAME)
  public Batch resealBatch(Position from, int size) {
    String current = vault.currentKeyId();
    List<SealedRow> rows =
        secrets.lockSealedWithOtherKeys(current, from.tenantId(), from.name(), size);
    int resealed = 0;
    int unopenable = 0;
    for (SealedRow row : rows) {
      String value;
      try {
        value = vault.open(row.tenantId(), row.name(), row.sealed());
      } catch (IllegalStateException e) {
        // Its key is no longer configured, or the row was tampered with: re-sealing cannot help,
        // and reading it fails the same way; say so once per pass, without the value.
        LOG.error(
            "Secret {} of tenant {} (key {}) could not be re-sealed: {}",
            row.name(),
            row.tenantId(),
            row.sealed().keyId(),
            e.getMessage());
        unopenable++;
        continue;
      }
      AesGcmSealer.Sealed fresh = vault.seal(row.tenantId(), row.name(), value);
      secrets.replaceSealed(row.tenantId(), row.name(), fresh);
      resealed++;
    }
    Position next =
        rows.size() < size ? null : new Position(rows.getLast().tenantId(), rows.getLast().name());
    return new Batch(resealed, unopenable, next);
  }

  /** How many values each key id seals now, e.g. {@code {old=0, new=1234}} after a rotation. */
  @Transactional(value = JobsDataSource.NAME, readOnly = true)
  public Map<String, Long> countByKey() {
    return secrets.countByKey();
  }
}
