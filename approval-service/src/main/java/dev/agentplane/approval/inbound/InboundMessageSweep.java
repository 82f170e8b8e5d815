package dev.agentplane.approval.inbound;

import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.scheduling.annotation.Scheduled;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;

/**
 * Forgets the recorded ids of inbound messages that could no longer verify anyway (past twice the
 * timestamp tolerance, or past their link's expiry), every {@code sweep-interval}. It works across
 * tenants: through the {@code jobs} datasource, whose role sees every tenant's {@code
 * inbound_message} rows and not the tenants' secrets.
 */
@Singleton
class InboundMessageSweep {

  private final JdbcOperations jobs;
  private final TransactionOperations<Connection> jobTransactions;
  private final Clock clock;

  InboundMessageSweep(
      @Named(JobsDataSource.NAME) JdbcOperations jobs,
      @Named(JobsDataSource.NAME) TransactionOperations<Connection> jobTransactions,
      Clock clock) {
    this.jobs = jobs;
    this.jobTransactions = jobTransactions;
    this.clock = clock;
  }

  /** Forgets what expired by now; returns how many message ids. */
  @Scheduled(fixedDelay = "${agentplane.approval.inbound.sweep-interval:10m}")
  int forgetExpired() {
    Instant now = clock.instant();
    return jobTransactions.executeWrite(
        status ->
            jobs.prepareStatement(
                "DELETE FROM inbound_message WHERE keep_until < ?",
                statement -> {
                  statement.setTimestamp(1, Timestamp.from(now));
                  return statement.executeUpdate();
                }));
  }
}
