package dev.agentplane.kit.outbox;

import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.annotation.Repository;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.util.List;

/**
 * SQL of the relay over the outbox table, which it reads across tenants: through the {@code jobs}
 * datasource. Every statement runs in the caller's transaction.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
@Repository(JobsDataSource.NAME)
interface OutboxRepository extends GenericRepository<OutboxRow, Long> {

  /**
   * One relay at a time per schema, or two instances could interleave the rows of one key. The lock
   * is released with the transaction, so a dead relay never holds it.
   */
  @Query("SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.outbox_relay'))")
  boolean tryRelayLock();

  @Query("SELECT * FROM outbox_event WHERE published_at IS NULL ORDER BY id LIMIT :limit")
  List<OutboxRow> findPending(int limit);

  @Query("UPDATE outbox_event SET published_at = now(), last_error = NULL WHERE id IN (:ids)")
  void markPublished(List<Long> ids);

  @Query(
      """
      UPDATE outbox_event
         SET attempts = attempts + 1,
             last_error = :error,
             next_attempt_at = clock_timestamp() + make_interval(secs => CAST(:delaySeconds AS double precision))
       WHERE id = :id
      """)
  void recordFailure(Long id, String error, double delaySeconds);

  @Query("DELETE FROM outbox_event WHERE id IN (:ids)")
  void deletePublished(List<Long> ids);

  @Query("SELECT count(*) FROM outbox_event WHERE published_at IS NULL")
  long countPending();

  @Query(
      """
      SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)
        FROM outbox_event WHERE published_at IS NULL
      """)
  double oldestPendingAgeSeconds();

  @Query(
      """
      DELETE FROM outbox_event
       WHERE published_at < now() - make_interval(secs => CAST(:olderThanSeconds AS double precision))
      """)
  void purgePublished(double olderThanSeconds);
}
