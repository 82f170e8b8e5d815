package dev.agentplane.kit.consumer;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

/** The processed-event ledger of the idempotent consumer. */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface ProcessedEventRepository extends GenericRepository<ProcessedEvent, String> {

  /** Returns 1 when the event is new for this consumer, 0 when it was processed before. */
  @Query(
      """
      INSERT INTO processed_event (consumer, event_id, tenant_id, topic)
      VALUES (:consumer, :eventId, :tenantId, :topic)
      ON CONFLICT (consumer, event_id) DO NOTHING
      """)
  int recordFirstDelivery(String consumer, String eventId, String tenantId, String topic);
}
