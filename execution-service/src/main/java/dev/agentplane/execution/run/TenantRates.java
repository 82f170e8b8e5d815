package dev.agentplane.execution.run;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * One rate per tenant on this instance (a Bucket4j bucket each): a caller at its tenant's rate
 * waits for its turn, parked, rather than being refused at once. A bucket holds a tenth of a
 * second's turns (at least one), so a tenant's burst cannot take the instance's cores all at once
 * either. A tenant's rate is read when its bucket is first made.
 */
public final class TenantRates {

  private final ToIntFunction<String> perSecondOf;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  /**
   * @param perSecondOf a tenant's turns per second; 0 or less turns its rate off
   */
  public TenantRates(ToIntFunction<String> perSecondOf) {
    this.perSecondOf = perSecondOf;
  }

  /**
   * Returns when {@code tenantId} has its next turn, however long that takes. An interrupt ends the
   * wait early, the interrupt kept.
   */
  public void awaitTurn(String tenantId) {
    Bucket bucket = bucketOf(tenantId);
    if (bucket == null) {
      return;
    }
    try {
      bucket.asBlocking().consume(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Takes {@code tenantId}'s next turn if it comes within {@code most}, waiting for it; false, with
   * nothing taken, when it would come later (or the wait is interrupted, the interrupt kept).
   */
  public boolean awaitTurn(String tenantId, Duration most) {
    Bucket bucket = bucketOf(tenantId);
    if (bucket == null) {
      return true;
    }
    if (!most.isPositive()) {
      // Bucket4j's blocking form takes only a positive wait.
      return bucket.tryConsume(1);
    }
    try {
      return bucket.asBlocking().tryConsume(1, most);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The tenant's rate per second, 0 when off. */
  public int perSecondOf(String tenantId) {
    return Math.max(0, perSecondOf.applyAsInt(tenantId));
  }

  private Bucket bucketOf(String tenantId) {
    int perSecond = perSecondOf(tenantId);
    if (perSecond == 0) {
      return null;
    }
    return buckets.computeIfAbsent(
        tenantId,
        tenant ->
            Bucket.builder()
                .addLimit(
                    Bandwidth.builder()
                        .capacity(Math.max(1, perSecond / 10))
                        .refillGreedy(perSecond, Duration.ofSeconds(1))
                        .build())
                .build());
  }
}
