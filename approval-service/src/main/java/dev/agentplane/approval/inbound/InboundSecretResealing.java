package dev.agentplane.approval.inbound;

import dev.agentplane.approval.inbound.InboundSecretsOfAllTenants.SealedRow;
import dev.agentplane.approval.webhook.ResealTally;
import dev.agentplane.approval.webhook.WebhookSecrets;
import dev.agentplane.kit.sealing.AesGcmSealer.Sealed;
import dev.agentplane.kit.sealing.ResealBatch;
import dev.agentplane.kit.sealing.Resealable;
import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;

/**
 * Re-seals the tenants' inbound decision secrets (the current one and, during a rotation's overlap,
 * the previous one) with the current master key, one batch of tenants per transaction, for the
 * webhook package's start-up job: a committed batch is done for good, so a pass stopped half-way
 * leaves every secret on a key that still opens. A secret already on the current key is never
 * touched.
 */
@Singleton
public class InboundSecretResealing implements Resealable<String> {

  private final InboundSecretsOfAllTenants inboundSecrets;
  private final WebhookSecrets secrets;

  InboundSecretResealing(InboundSecretsOfAllTenants inboundSecrets, WebhookSecrets secrets) {
    this.inboundSecrets = inboundSecrets;
    this.secrets = secrets;
  }

  @Override
  public String description() {
    return "inbound decision secrets";
  }

  /** Tenant ids are never empty, so every one sorts after this. */
  @Override
  public String start() {
    return "";
  }

  /** Re-seals the secrets of up to {@code size} tenants after {@code from}, and commits. */
  @Override
  @Transactional(JobsDataSource.NAME)
  public ResealBatch<String> resealBatch(String from, int size) {
    List<SealedRow> rows =
        inboundSecrets.lockSealedWithOtherKeys(secrets.currentKeyId(), from, size);
    ResealTally tally = new ResealTally();
    for (SealedRow row : rows) {
      Sealed current =
          tally.reseal(
              row.current(),
              value -> resealed(row, value),
              () -> "the inbound decision secret of tenant " + row.tenantId());
      Sealed previous =
          row.previous() == null
              ? null
              : tally.reseal(
                  row.previous(),
                  value -> resealed(row, value),
                  () -> "the previous inbound decision secret of tenant " + row.tenantId());
      if (current != row.current() || previous != row.previous()) {
        inboundSecrets.replaceSealed(row.tenantId(), current, previous);
      }
    }
    return tally.batch(rows.size() < size ? null : rows.getLast().tenantId());
  }

  @Override
  @Transactional(value = JobsDataSource.NAME, readOnly = true)
  public Map<String, Long> countByKey() {
    return inboundSecrets.countByKey();
  }

  private Sealed resealed(SealedRow row, Sealed value) {
    return secrets.resealedTenantSecret(row.tenantId(), InboundSecrets.PURPOSE, value);
  }
}
