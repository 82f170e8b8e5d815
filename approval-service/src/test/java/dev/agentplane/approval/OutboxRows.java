package dev.agentplane.approval;

import dev.agentplane.contracts.Topics;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
    return transactions.executeRead(
        status -> {
          try (PreparedStatement statement =
              status
                  .getConnection()
                  .prepareStatement(
                      "SELECT count(*) FROM outbox_event WHERE topic = ? AND message_key = ?")) {
            statement.setString(1, Topics.APPROVALS_DECIDED);
            statement.setString(2, approvalId.toString());
            try (ResultSet rows = statement.executeQuery()) {
              rows.next();
              return rows.getInt(1);
            }
          }
        });
  }
}
