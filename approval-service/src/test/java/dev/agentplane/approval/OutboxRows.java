package dev.agentplane.approval;

import dev.agentplane.contracts.Topics;
import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.util.UUID;

/**
 * Reads the service's outbox: what it committed to publish, whether or not it was relayed yet. As
 * the relay reads it, through the jobs datasource: every tenant's rows.
 */
@Singleton
public class OutboxRows {

  private final TransactionOperations<Connection> transactions;

  OutboxRows(@Named(JobsDataSource.NAME) TransactionOperations<Connection> transactions) {
    this.transactions = transactions;
  }

  /** How many {@code ApprovalDecided} events the service wrote for the request. */
  public int decidedEventsFor(UUID approvalId) {
    return SqlReads.single(
        transactions,
        "SELECT count(*) FROM outbox_event WHERE topic = ? AND message_key = ?",
        row -> row.getInt(1),
        Topics.APPROVALS_DECIDED,
        approvalId.toString());
  }
}
