package dev.agentplane.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InMemoryBucketsTest {

  private static final BucketConfiguration TEN_PER_MINUTE =
      BucketConfiguration.builder()
          .addLimit(limit -> limit.capacity(10).refillGreedy(10, Duration.ofMinutes(1)))
          .build();

  @Test
  void strangersNamingEndlessTenantsCannotGrowTheStoreBeyondItsBound() {
    InMemoryBuckets store = new InMemoryBuckets(settings(100));

    for (int i = 0; i < 10_000; i++) {
      store.tryConsume("i:claimed-tenant-" + i, TEN_PER_MINUTE);
    }

    assertThat(store.size()).isLessThanOrEqualTo(100);
  }

  @Test
  void aBucketKeepsCountingWhileItIsHeld() {
    InMemoryBuckets store = new InMemoryBuckets(settings(100));

    for (int i = 0; i < 10; i++) {
      assertThat(store.tryConsume("t:acme", TEN_PER_MINUTE).isConsumed()).isTrue();
    }

    assertThat(store.tryConsume("t:acme", TEN_PER_MINUTE).isConsumed()).isFalse();
    assertThat(store.tryConsume("t:other", TEN_PER_MINUTE).isConsumed()).isTrue();
  }

  private static RateLimitSettings settings(long maxBuckets) {
    return new RateLimitSettings(
        true, RateLimitSettings.Store.MEMORY, "standard", Map.of(), maxBuckets);
  }
}
