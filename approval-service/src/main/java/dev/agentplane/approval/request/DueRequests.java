package dev.agentplane.approval.request;

import dev.agentplane.approval.request.ApprovalRepository.Due;
import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Which tenants have pending requests that fell due: the one question the SLA sweep asks across
 * tenants, through the {@code jobs} datasource (whose role sees every tenant's {@code
 * approval_request} rows and no other table of the approval core). The sweep then locks and changes
 * each tenant's rows in that tenant's own transaction. Statements run in the caller's transaction
 * on the jobs datasource.
 */
@Singleton
class DueRequests {

  private final JdbcOperations jobs;

  DueRequests(@Named(JobsDataSource.NAME) JdbcOperations jobs) {
    this.jobs = jobs;
  }

  /** The tenants with at least one request due as of {@code asOf}, the longest overdue first. */
  List<String> tenantsWithDue(Due due, Instant asOf) {
    return jobs.prepareStatement(
        "SELECT r.tenant_id FROM approval_request r WHERE "
            + due.condition()
            + " GROUP BY r.tenant_id ORDER BY min("
            + due.column()
            + ")",
        statement -> {
          statement.setTimestamp(1, Timestamp.from(asOf));
          try (ResultSet rows = statement.executeQuery()) {
            List<String> tenants = new ArrayList<>();
            while (rows.next()) {
              tenants.add(rows.getString(1));
            }
            return tenants;
          }
        });
  }
}
