package dev.agentplane.execution.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentplane.execution.support.ExecutionTestSupport;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What the sweeper offers, on the real database: runs queued longer than {@code unclaimed-after},
 * except the top-level runs of a tenant at its running quota (one run here), which no claim could
 * start; that tenant's child runs are offered, and its top-level runs again once it has room.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunSweeperIT extends ExecutionTestSupport {

  // Older than every run another test of this class leaves, so the sweeper's batch starts here.
  private static final Instant LONG_AGO = Instant.parse("2000-01-01T00:00:00Z");

  @Inject RunSweeper sweeper;

  @Override
  protected Map<String, String> settings() {
    return Map.of(
        "agentplane.execution.quotas.running-runs-per-tenant",
        "1",
        // The test calls the sweep's query itself; nothing is offered behind its back.
        "agentplane.execution.workers.sweep-every",
        "1h");
  }

  @Test
  void queuedRunsOfATenantAtItsRunningQuotaAreLeftOutUntilItHasRoom() throws SQLException {
    String full = newTenant();
    UUID running = insertRun(full, "running", null, Instant.now());
    UUID heldBack = insertRun(full, "queued", null, LONG_AGO);
    UUID child = insertRun(full, "queued", running, LONG_AGO);
    String roomy = newTenant();
    UUID waiting = insertRun(roomy, "queued", null, LONG_AGO);
    UUID recent = insertRun(roomy, "queued", null, Instant.now());

    assertThat(sweptIds())
        .as("another tenant's run queued too long, and the full tenant's child run")
        .contains(waiting, child)
        .as("the full tenant's top-level run, which its quota holds back, and a recent run")
        .doesNotContain(heldBack, recent);

    execute("UPDATE run SET status = 'succeeded', finished_at = now() WHERE id = ?", running);

    assertThat(sweptIds()).as("the tenant has room again").contains(heldBack, waiting);
  }

  private List<UUID> sweptIds() {
    return sweeper.abandoned().stream().map(RunSweeper.Abandoned::runId).toList();
  }

  private UUID insertRun(String tenant, String status, UUID parent, Instant createdAt)
      throws SQLException {
    UUID runId = UUID.randomUUID();
    try (Connection connection = asOwner();
        PreparedStatement insert =
            connection.prepareStatement(
                """
                INSERT INTO run (id, tenant_id, agent_id, agent_name, agent_version, spec_hash,
                    mode, status, input, snapshot, metadata, created_by, creator_type,
                    creator_roles, timeout_seconds, last_seq, parent_run_id, depth, lease_owner,
                    lease_expires_at, created_at)
                VALUES (?, ?, ?, 'swept', 1, 'sha256:0', 'production', ?, '"go"', '{}', '{}',
                    'op', 'user', ARRAY['operator'], 600, 0, ?, ?,
                    CASE WHEN ? = 'running' THEN 'elsewhere' END,
                    CASE WHEN ? = 'running' THEN now() + interval '5 minutes' END,
                    ?)
                """)) {
      insert.setObject(1, runId);
      insert.setString(2, tenant);
      insert.setObject(3, UUID.randomUUID());
      insert.setString(4, status);
      insert.setObject(5, parent);
      insert.setInt(6, parent == null ? 0 : 1);
      insert.setString(7, status);
      insert.setString(8, status);
      insert.setTimestamp(9, Timestamp.from(createdAt));
      insert.executeUpdate();
      return runId;
    }
  }

  private void execute(String sql, UUID runId) throws SQLException {
    try (Connection connection = asOwner();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setObject(1, runId);
      statement.executeUpdate();
    }
  }
}
