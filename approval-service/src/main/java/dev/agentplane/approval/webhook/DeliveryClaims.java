package dev.agentplane.approval.webhook;

import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The dispatcher's claims on due deliveries, which it finds across tenants: through the {@code
 * jobs} datasource, whose role sees every tenant's {@code webhook_delivery} rows and no other
 * webhook table (not the subscriptions and their sealed secrets). Everything an attempt does after
 * its claim runs in the delivery's tenant ({@link WebhookSender}). Statements run in the caller's
 * transaction on the jobs datasource.
 */
@Singleton
class DeliveryClaims {

  /** A delivery a dispatcher has claimed for one attempt (numbered {@code attempt}). */
  record ClaimedDelivery(
      UUID id,
      String tenantId,
      UUID subscriptionId,
      String messageId,
      String body,
      int attempt,
      int attemptLimit) {}

  private final JdbcOperations jobs;

  DeliveryClaims(@Named(JobsDataSource.NAME) JdbcOperations jobs) {
    this.jobs = jobs;
  }

  /**
   * Claims up to {@code limit} due deliveries for one attempt each: rows another dispatcher is
   * claiming are skipped ({@code SKIP LOCKED}), and a claim holds for {@code lease}, after which a
   * crashed dispatcher's delivery is due again. Whether the subscription is still enabled is the
   * attempt's to check, in the tenant's own transaction.
   */
  List<ClaimedDelivery> claimDue(int limit, Duration lease) {
    return jobs.prepareStatement(
        """
        WITH due AS (
            SELECT d.id FROM webhook_delivery d
            WHERE d.status = 'pending' AND d.next_attempt_at <= now()
              AND (d.claimed_until IS NULL OR d.claimed_until <= now())
            ORDER BY d.next_attempt_at
            LIMIT ?
            FOR UPDATE SKIP LOCKED)
        UPDATE webhook_delivery d
        SET attempts = d.attempts + 1, claimed_until = now() + make_interval(secs => ?)
        FROM due WHERE d.id = due.id
        RETURNING d.id, d.tenant_id, d.subscription_id, d.message_id, d.body, d.attempts,
                  d.attempt_limit
        """,
        statement -> {
          statement.setInt(1, limit);
          statement.setDouble(2, lease.toMillis() / 1000.0);
          try (ResultSet rows = statement.executeQuery()) {
            List<ClaimedDelivery> claimed = new ArrayList<>();
            while (rows.next()) {
              claimed.add(
                  new ClaimedDelivery(
                      rows.getObject("id", UUID.class),
                      rows.getString("tenant_id"),
                      rows.getObject("subscription_id", UUID.class),
                      rows.getString("message_id"),
                      rows.getString("body"),
                      rows.getInt("attempts"),
                      rows.getInt("attempt_limit")));
            }
            return claimed;
          }
        });
  }
}
