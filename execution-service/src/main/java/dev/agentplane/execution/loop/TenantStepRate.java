package dev.agentplane.execution.loop;

import dev.agentplane.execution.run.QuotaSettings;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each tenant's steps (model and tool calls) per second on this instance, as Temporal Cloud meters
 * a namespace's actions per second: a run whose tenant is at its rate waits before its next step,
 * parked, holding its lease. A tenant's bucket holds a tenth of a second's steps (at least one), so
 * a burst of runs cannot take the instance's cores all at once either.
 *
 * <p>Decision: the running quota bounds how many runs of a tenant execute at once, not how much
 * work they make; 32 runs of a flooding tenant kept both cores of the benchmark's machine busy, and
 * another tenant's first step waited behind theirs (10–20 × its latency alone). A step rate leaves
 * the rest of the machine to the other tenants; a tenant that needs more gets its own rate ({@code
 * steps-per-second-of.<tenant>}), as a larger tier.
 */
@Singleton
public class TenantStepRate {

  private final QuotaSettings settings;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  TenantStepRate(QuotaSettings settings) {
    this.settings = settings;
  }

  /**
   * Returns when {@code tenantId} may take its next step: at once while it is under its rate, else
   * after its turn (the wait is bounded by the tenant's runs executing here, at most its running
   * quota, over its rate). An interrupt ends the wait early, the interrupt kept.
   */
  void awaitTurn(String tenantId) {
    int rate = settings.stepsPerSecondOf(tenantId);
    if (rate <= 0) {
      return;
    }
    Bucket bucket = buckets.computeIfAbsent(tenantId, tenant -> bucketOf(rate));
    try {
      bucket.asBlocking().consume(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Bucket bucketOf(int perSecond) {
    return Bucket.builder()
        .addLimit(
            Bandwidth.builder()
                .capacity(Math.max(1, perSecond / 10))
                .refillGreedy(perSecond, Duration.ofSeconds(1))
                .build())
        .build();
  }
}
