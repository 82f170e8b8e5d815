package dev.agentplane.execution.run;

import dev.agentplane.contracts.RunEvent;
import dev.agentplane.execution.stream.RunNotifications;
import dev.agentplane.kit.outbox.Outbox;
import io.cloudevents.CloudEvent;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.support.TransactionSynchronization;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Appends a run's events: each is stored in {@code run_event} (what SSE replays) and handed to the
 * outbox for {@code agentplane.runs.events} (what Kafka consumers read), with the same payload, in
 * the caller's transaction; the commit then wakes this instance's listeners of the run (other
 * instances' find the events by polling, see {@link RunNotifications}).
 */
@Singleton
public class RunEventLog {

  private final JdbcOperations jdbc;
  private final TransactionOperations<Connection> transactions;
  private final Outbox outbox;
  private final RunNotifications notifications;

  RunEventLog(
      JdbcOperations jdbc,
      TransactionOperations<Connection> transactions,
      Outbox outbox,
      RunNotifications notifications) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.outbox = outbox;
    this.notifications = notifications;
  }

  /**
   * Appends events, of one run or of several, each already numbered under its run's row lock, in
   * one statement plus one outbox batch, and wakes this instance's listeners of those runs once the
   * transaction commits; the journal's group commit writes every run it commits at once this way.
   */
  public void append(List<? extends RunEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    List<CloudEvent> published = outbox.enqueueAll(events);
    Set<UUID> committedRuns = events.stream().map(RunEvent::runId).collect(Collectors.toSet());
    transactions
        .findTransactionStatus()
        .orElseThrow(() -> new IllegalStateException("Run events append inside a transaction"))
        .registerSynchronization(
            new TransactionSynchronization() {
              @Override
              public void afterCommit() {
                notifications.committed(committedRuns);
              }
            });
    jdbc.prepareStatement(
        """
        INSERT INTO run_event (run_id, seq, tenant_id, type, data)
        SELECT appended.run_id, appended.seq, appended.tenant_id, appended.type,
            appended.data::jsonb
        FROM unnest(?::uuid[], ?::bigint[], ?::text[], ?::text[], ?::text[])
            AS appended(run_id, seq, tenant_id, type, data)
        """,
        statement -> {
          Connection connection = statement.getConnection();
          UUID[] runs = new UUID[events.size()];
          Long[] sequences = new Long[events.size()];
          String[] tenants = new String[events.size()];
          String[] types = new String[events.size()];
          String[] payloads = new String[events.size()];
          for (int i = 0; i < events.size(); i++) {
            RunEvent event = events.get(i);
            runs[i] = event.runId();
            sequences[i] = event.sequence();
            tenants[i] = event.tenantId();
            types[i] = event.streamName();
            payloads[i] = new String(published.get(i).getData().toBytes(), StandardCharsets.UTF_8);
          }
          statement.setArray(1, connection.createArrayOf("uuid", runs));
          statement.setArray(2, connection.createArrayOf("bigint", sequences));
          statement.setArray(3, connection.createArrayOf("text", tenants));
          statement.setArray(4, connection.createArrayOf("text", types));
          statement.setArray(5, connection.createArrayOf("text", payloads));
          return statement.executeUpdate();
        });
  }

  /**
   * Reserves the next {@code count} sequence numbers of a run that no worker holds (intake,
   * cancelling a queued run) and answers the first; the row stays locked until commit.
   */
  public long reserve(UUID runId, int count) {
    return jdbc.prepareStatement(
        "UPDATE run SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq",
        statement -> {
          statement.setInt(1, count);
          statement.setObject(2, runId);
          try (var rows = statement.executeQuery()) {
            if (!rows.next()) {
              throw new IllegalStateException("Run " + runId + " vanished");
            }
            return rows.getLong(1) - count + 1;
          }
        });
  }
}
