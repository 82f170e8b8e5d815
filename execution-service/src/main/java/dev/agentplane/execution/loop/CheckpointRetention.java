package dev.agentplane.execution.loop;

import dev.agentplane.kit.tenancy.JobsDataSource;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.scheduling.annotation.Scheduled;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.sql.Array;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Keeps {@code run_checkpoint} from growing without bound: once a run has been terminal for its
 * tenant's retention period, every checkpoint but the last is deleted (the last still rebuilds the
 * run's final state). Batches are claimed with {@code FOR UPDATE SKIP LOCKED}, so instances share
 * the work and never delete twice; a run is marked pruned so it is never looked at again. It works
 * across tenants, through the {@code jobs} datasource.
 */
@Singleton
class CheckpointRetention {

  /**
   * {@code agentplane.execution.retention.*}.
   *
   * @param checkpoints how long a terminal run keeps all its checkpoints
   * @param tenants per-tenant overrides of {@code checkpoints}, by tenant id
   * @param batch runs pruned per transaction
   */
  @ConfigurationProperties("agentplane.execution.retention")
  record Settings(
      @Bindable(defaultValue = "7d") Duration checkpoints,
      @Bindable(defaultValue = "500") int batch,
      Map<String, Duration> tenants) {

    Settings {
      tenants = tenants == null ? Map.of() : Map.copyOf(tenants);
    }
  }

  private final JdbcOperations jdbc;
  private final TransactionOperations<Connection> transactions;
  private final Settings settings;

  CheckpointRetention(
      @Named(JobsDataSource.NAME) JdbcOperations jdbc,
      @Named(JobsDataSource.NAME) TransactionOperations<Connection> transactions,
      Settings settings) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.settings = settings;
  }

  @Scheduled(
      fixedDelay = "${agentplane.execution.retention.every:10m}",
      initialDelay = "${agentplane.execution.retention.every:10m}")
  void prune() {
    settings.tenants().forEach((tenant, keep) -> pruneUntilDone(keep, List.of(tenant), true));
    pruneUntilDone(settings.checkpoints(), List.copyOf(settings.tenants().keySet()), false);
  }

  /** Prunes batch after batch; answers how many runs were pruned. */
  int pruneUntilDone(Duration keep, List<String> tenants, boolean onlyThose) {
    int total = 0;
    int pruned;
    do {
      pruned = pruneBatch(keep, tenants, onlyThose);
      total += pruned;
    } while (pruned == settings.batch());
    return total;
  }

  private int pruneBatch(Duration keep, List<String> tenants, boolean onlyThose) {
    return transactions.executeWrite(
        status ->
            jdbc.prepareStatement(
                """
                WITH due AS (
                    SELECT id FROM run
                    WHERE finished_at IS NOT NULL AND NOT checkpoints_pruned
                        AND finished_at < now() - make_interval(secs => ?)
                        AND (tenant_id = ANY(?)) = ?
                    ORDER BY finished_at LIMIT ?
                    FOR UPDATE SKIP LOCKED),
                deleted AS (
                    DELETE FROM run_checkpoint c USING due
                    WHERE c.run_id = due.id
                        AND c.seq < (SELECT max(seq) FROM run_checkpoint l WHERE l.run_id = due.id))
                UPDATE run SET checkpoints_pruned = true FROM due WHERE run.id = due.id
                """,
                statement -> {
                  Array tenantIds =
                      statement.getConnection().createArrayOf("text", tenants.toArray());
                  statement.setDouble(1, keep.toMillis() / 1000.0);
                  statement.setArray(2, tenantIds);
                  statement.setBoolean(3, onlyThose);
                  statement.setInt(4, settings.batch());
                  return statement.executeUpdate();
                }));
  }
}
