package dev.agentplane.gateway.ratelimit;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import io.micronaut.context.annotation.Requires;
import io.micronaut.jdbc.DataSourceResolver;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Buckets in table {@code gateway.rate_limit_bucket}, shared by every gateway instance on the same
 * database (Bucket4j's PostgreSQL proxy manager, {@code SELECT ... FOR UPDATE} per request). Costs
 * a database round trip per bucket per request, on a virtual thread, never on the event loop.
 */
@Singleton
@Requires(property = "agentplane.gateway.rate-limit.store", value = "postgres")
final class PostgresBuckets implements BucketStore {

  private final PostgreSQLSelectForUpdateBasedProxyManager<String> buckets;

  PostgresBuckets(DataSource dataSource, DataSourceResolver resolver) {
    // The injected data source is Micronaut Data's transaction-bound proxy; Bucket4j manages its
    // own connections and transactions, so it gets the pool itself.
    this.buckets =
        Bucket4jPostgreSQL.selectForUpdateBasedBuilder(resolver.resolve(dataSource))
            .primaryKeyMapper(PrimaryKeyMapper.STRING)
            .table("rate_limit_bucket")
            .idColumn("id")
            .stateColumn("state")
            .expiresAtColumn("expires_at")
            // A row may go once its bucket would be full again anyway.
            .expirationAfterWrite(
                ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                    Duration.ofSeconds(10)))
            .build();
  }

  @Override
  public ConsumptionProbe tryConsume(String key, BucketConfiguration configuration) {
    return buckets.builder().build(key, () -> configuration).tryConsumeAndReturnRemaining(1);
  }

  @Scheduled(fixedDelay = "1m")
  void removeExpired() {
    buckets.removeExpired(1000);
  }
}
