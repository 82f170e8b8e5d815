package dev.agentplane.approval.webhook;

import dev.agentplane.approval.webhook.SubscriptionSecretsOfAllTenants.SealedRow;
import dev.agentplane.kit.sealing.AesGcmSealer.Sealed;
import dev.agentplane.kit.sealing.ResealBatch;
import dev.agentplane.kit.sealing.Resealable;
import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Re-seals the subscriptions' signing secrets (the current one and, during a rotation's overlap,
 * the previous one) with the current master key, one batch of subscriptions per transaction: a
 * committed batch is done for good, so a pass stopped half-way leaves every secret on a key that
 * still opens, and the next pass picks up the rest. A secret already on the current key is never
 * touched.
 */
@Singleton
public class SubscriptionSecretResealing implements Resealable<UUID> {

  // Below every id in PostgreSQL's uuid order (bytewise, unsigned).
  private static final UUID START = new UUID(0, 0);

  private final SubscriptionSecretsOfAllTenants subscriptions;
  private final WebhookSecrets secrets;

  SubscriptionSecretResealing(
      SubscriptionSecretsOfAllTenants subscriptions, WebhookSecrets secrets) {
    this.subscriptions = subscriptions;
    this.secrets = secrets;
  }

  @Override
  public String description() {
    return "webhook signing secrets";
  }

  @Override
  public UUID start() {
    return START;
  }

  /** Re-seals the secrets of up to {@code size} subscriptions after {@code from}, and commits. */
  @Override
  @Transactional(JobsDataSource.NAME)
  public ResealBatch<UUID> resealBatch(UUID from, int size) {
    List<SealedRow> rows =
        subscriptions.lockSealedWithOtherKeys(secrets.currentKeyId(), from, size);
    ResealTally tally = new ResealTally();
    for (SealedRow row : rows) {
      Sealed secret =
          tally.reseal(
              row.secret(),
              value -> secrets.resealed(row.tenantId(), row.id(), value),
              () -> "the signing secret of webhook " + row.id() + " of tenant " + row.tenantId());
      Sealed previous =
          row.previous() == null
              ? null
              : tally.reseal(
                  row.previous(),
                  value -> secrets.resealed(row.tenantId(), row.id(), value),
                  () ->
                      "the previous signing secret of webhook "
                          + row.id()
                          + " of tenant "
                          + row.tenantId());
      if (secret != row.secret() || previous != row.previous()) {
        subscriptions.replaceSealed(row.tenantId(), row.id(), secret, previous);
      }
    }
    return tally.batch(rows.size() < size ? null : rows.getLast().id());
  }

  @Override
  @Transactional(value = JobsDataSource.NAME, readOnly = true)
  public Map<String, Long> countByKey() {
    return subscriptions.countByKey();
  }
}
