package dev.agentplane.approval;

import dev.agentplane.contracts.Topics;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.util.UUID;

/** Reads the service's outbox: what it committed to publish, whether or not it was relayed yet. */
@Singleton
public class OutboxRows {

  private final TransactionOperations<Connection> transactions;

  OutboxRows(TransactionOperations<Connection> transactions) {
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
