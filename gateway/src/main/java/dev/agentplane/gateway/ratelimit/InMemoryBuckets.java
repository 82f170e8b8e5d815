package dev.agentplane.gateway.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.local.LocalBucketBuilder;
import io.micronaut.context.annotation.Requires;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import java.util.Map;

/**
 * Buckets in this instance's memory: lock-free, microseconds per request. With N gateway instances
 * behind a load balancer a tenant gets up to N times its limit; use the PostgreSQL store then.
 */
@Singleton
@Requires(
    property = "agentplane.gateway.rate-limit.store",
    value = "memory",
    defaultValue = "memory")
final class InMemoryBuckets implements BucketStore {

  private record Entry(Bucket bucket, long capacity) {}

  // Bounded: unsigned inbound messages create buckets for any tenant name a stranger claims, so
  // memory must not follow the number of names. Evicting a busy bucket only forgives its caller.
  private final Cache<String, Entry> cache;
  private final Map<String, Entry> buckets;

  InMemoryBuckets(RateLimitSettings settings) {
    this.cache = Caffeine.newBuilder().maximumSize(settings.maxBuckets()).build();
    this.buckets = cache.asMap();
  }

  /** How many buckets are held, once pending evictions are done. */
  long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  @Override
  public ConsumptionProbe tryConsume(String key, BucketConfiguration configuration) {
    return buckets
        .computeIfAbsent(key, ignored -> newBucket(configuration))
        .bucket()
        .tryConsumeAndReturnRemaining(1);
  }

  private static Entry newBucket(BucketConfiguration configuration) {
    LocalBucketBuilder builder = Bucket.builder();
    for (Bandwidth limit : configuration.getBandwidths()) {
      builder.addLimit(limit);
    }
    return new Entry(builder.build(), configuration.getBandwidths()[0].getCapacity());
  }

  /** Forgets full buckets (idle principals), so memory follows active callers, not all callers. */
  @Scheduled(fixedDelay = "5m")
  void forgetIdle() {
    buckets
        .entrySet()
        .removeIf(
            entry -> entry.getValue().bucket().getAvailableTokens() >= entry.getValue().capacity());
  }
}
