package dev.agentplane.registry.secret;

import dev.agentplane.kit.sealing.AesGcmSealer;
import dev.agentplane.kit.sealing.ResealBatch;
import dev.agentplane.kit.sealing.Resealable;
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
public class SecretResealing implements Resealable<SecretResealing.Position> {

  private static final Logger LOG = LoggerFactory.getLogger(SecretResealing.class);

  /** Where a pass through the table has got to: the last row looked at, in primary-key order. */
  public record Position(String tenantId, String name) {
    static final Position START = new Position("", "");
  }

  private final SealedSecretsOfAllTenants secrets;
  private final SecretVault vault;

  SecretResealing(SealedSecretsOfAllTenants secrets, SecretVault vault) {
    this.secrets = secrets;
    this.vault = vault;
  }

  @Override
  public String description() {
    return "secret values";
  }

  @Override
  public Position start() {
    return Position.START;
  }

  /** Re-seals up to {@code size} values after {@code from} that are on another key, and commits. */
  @Override
  @Transactional(JobsDataSource.NAME)
  public ResealBatch<Position> resealBatch(Position from, int size) {
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
    return new ResealBatch<>(resealed, unopenable, next);
  }

  @Override
  @Transactional(value = JobsDataSource.NAME, readOnly = true)
  public Map<String, Long> countByKey() {
    return secrets.countByKey();
  }
}
