package dev.agentplane.execution.gate;

import dev.agentplane.execution.registry.ServiceTokens;
import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientException;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.scheduling.annotation.Scheduled;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Withdraws the approval requests of gates closed by their run ending (cancelled, timed out,
 * failed): {@code POST /v1/approvals/{id}/cancel} on the approval service as the tenant's {@code
 * internal} service principal, which publishes no decision, so nothing resumes. Tried right after
 * the ending committed and again on a schedule until the approval service answered, because it may
 * be down, or may not have opened the request yet (its Kafka consumer is behind: 404, tried again
 * until the request would have expired anyway). The gates to withdraw are found across tenants,
 * through the {@code jobs} datasource.
 */
@Singleton
public class ApprovalWithdrawals {

  private static final Logger LOG = LoggerFactory.getLogger(ApprovalWithdrawals.class);
  private static final int BATCH = 100;

  private record Pending(UUID approvalId, String tenantId, Instant requestedAt) {}

  private final HttpClient approvals;
  private final ServiceTokens tokens;
  private final JdbcOperations jdbc;
  private final TransactionOperations<Connection> transactions;
  private final ApprovalGateSettings settings;
  private final ExecutorService passes = Executors.newSingleThreadExecutor();
  private final AtomicBoolean passQueued = new AtomicBoolean();

  ApprovalWithdrawals(
      @Client(id = "approval") HttpClient approvals,
      ServiceTokens tokens,
      @Named(JobsDataSource.NAME) JdbcOperations jdbc,
      @Named(JobsDataSource.NAME) TransactionOperations<Connection> transactions,
      ApprovalGateSettings settings) {
    this.approvals = approvals;
    this.tokens = tokens;
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.settings = settings;
  }

  /** After a commit that closed gates: a pass soon, off the committing thread. */
  void soon() {
    if (passQueued.compareAndSet(false, true)) {
      passes.execute(
          () -> {
            passQueued.set(false);
            withdrawPending();
          });
    }
  }

  @Scheduled(
      fixedDelay = "${agentplane.execution.approvals.withdraw-every:30s}",
      initialDelay = "${agentplane.execution.approvals.withdraw-every:30s}")
  void withdrawPending() {
    for (Pending pending : pending()) {
      if (withdraw(pending)) {
        markWithdrawn(pending.approvalId());
      }
    }
  }

  /** True when the approval service no longer has an open request to withdraw. */
  private boolean withdraw(Pending pending) {
    try {
      approvals
          .toBlocking()
          .exchange(
              HttpRequest.POST(
                      "/v1/approvals/" + pending.approvalId() + "/cancel",
                      Map.of("reason", "The run ended while the tool call waited for a decision"))
                  .contentType(MediaType.APPLICATION_JSON_TYPE)
                  .bearerAuth(tokens.forTenant(pending.tenantId())));
      return true;
    } catch (HttpClientResponseException refused) {
      if (refused.getStatus() == HttpStatus.CONFLICT) {
        return true; // already decided, expired or cancelled
      }
      if (refused.getStatus() == HttpStatus.NOT_FOUND) {
        // Not opened yet, or never will be; past its expiry it would be closed anyway.
        return pending.requestedAt().plus(settings.expireAfter()).isBefore(Instant.now());
      }
      LOG.warn(
          "The approval service refused to withdraw {} ({}); tried again later",
          pending.approvalId(),
          refused.getStatus());
      return false;
    } catch (HttpClientException unreachable) {
      LOG.warn(
          "The approval service is unreachable to withdraw {}; tried again later: {}",
          pending.approvalId(),
          unreachable.getMessage());
      return false;
    }
  }

  private List<Pending> pending() {
    return transactions.executeRead(
        status ->
            jdbc.prepareStatement(
                """
                SELECT approval_id, tenant_id, requested_at FROM run_gate
                WHERE status = 'cancelled' AND withdrawn_at IS NULL
                ORDER BY requested_at LIMIT ?
                """,
                statement -> {
                  statement.setInt(1, BATCH);
                  List<Pending> found = new ArrayList<>();
                  try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                      found.add(
                          new Pending(
                              rows.getObject(1, UUID.class),
                              rows.getString(2),
                              rows.getTimestamp(3).toInstant()));
                    }
                  }
                  return found;
                }));
  }

  private void markWithdrawn(UUID approvalId) {
    transactions.executeWrite(
        status ->
            jdbc.prepareStatement(
                "UPDATE run_gate SET withdrawn_at = now() WHERE approval_id = ?",
                statement -> {
                  statement.setObject(1, approvalId);
                  return statement.executeUpdate();
                }));
  }
}
