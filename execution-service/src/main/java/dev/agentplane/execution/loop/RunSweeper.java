package dev.agentplane.execution.loop;

import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.scheduling.annotation.Scheduled;
import io.micronaut.transaction.annotation.ReadOnly;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Finds runs nobody is working on and offers them to this instance's workers: runs whose lease
 * lapsed (their worker died or stalled) and queued runs nobody claimed (a lost dispatch message, a
 * full backlog). Every instance sweeps; the claim decides who gets each run. It looks across
 * tenants, through the {@code jobs} datasource.
 */
@Singleton
class RunSweeper {

  private final JdbcOperations jdbc;
  private final RunWorkers workers;
  private final WorkerSettings settings;

  RunSweeper(
      @Named(JobsDataSource.NAME) JdbcOperations jdbc,
      RunWorkers workers,
      WorkerSettings settings) {
    this.jdbc = jdbc;
    this.workers = workers;
    this.settings = settings;
  }

  @Scheduled(
      fixedDelay = "${agentplane.execution.workers.sweep-every:5s}",
      initialDelay = "${agentplane.execution.workers.sweep-every:5s}")
  void sweep() {
    abandoned().forEach(run -> workers.offer(run.tenantId(), run.runId()));
  }

  /** A run nobody is working on, and its tenant, whose scope its claim takes. */
  record Abandoned(String tenantId, UUID runId) {}

  /** Runs with a lapsed lease or unclaimed for too long, oldest first. */
  @ReadOnly(transactionManager = JobsDataSource.NAME)
  List<Abandoned> abandoned() {
    return jdbc.prepareStatement(
        """
        (SELECT tenant_id, id FROM run WHERE status = 'running' AND lease_expires_at < now()
            ORDER BY lease_expires_at LIMIT ?)
        UNION ALL
        (SELECT tenant_id, id FROM run WHERE status = 'queued'
            AND created_at < now() - make_interval(secs => ?)
            ORDER BY created_at LIMIT ?)
        """,
        statement -> {
          statement.setInt(1, settings.sweepBatch());
          statement.setDouble(2, settings.unclaimedAfter().toMillis() / 1000.0);
          statement.setInt(3, settings.sweepBatch());
          List<Abandoned> runs = new ArrayList<>();
          try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              runs.add(new Abandoned(rows.getString(1), rows.getObject(2, UUID.class)));
            }
          }
          return runs;
        });
  }
}
