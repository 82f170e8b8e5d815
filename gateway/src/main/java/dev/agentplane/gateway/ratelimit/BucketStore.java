package dev.agentplane.gateway.ratelimit;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;

/** Where rate-limit buckets live: this instance's memory, or PostgreSQL shared by all instances. */
interface BucketStore {

  /** Takes one token from the bucket {@code key}, creating it with {@code configuration}. */
  ConsumptionProbe tryConsume(String key, BucketConfiguration configuration);
}
