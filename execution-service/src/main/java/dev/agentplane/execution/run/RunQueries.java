package dev.agentplane.execution.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentplane.contracts.RunMode;
import dev.agentplane.execution.run.RunRepository.ListFilter;
import dev.agentplane.execution.run.RunRepository.ListPosition;
import dev.agentplane.execution.run.RunView.RunPage;
import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.transaction.annotation.ReadOnly;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Reads of runs, their checkpoints and audit trails, and the tenant's usage, always within the
 * caller's tenant.
 */
@Singleton
public class RunQueries {

  static final int DEFAULT_PAGE = 20;
  static final int MAX_PAGE = 100;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RunRepository runs;
  private final RunAuditTrail audit;
  private final JdbcOperations jdbc;

  RunQueries(RunRepository runs, RunAuditTrail audit, JdbcOperations jdbc) {
    this.runs = runs;
    this.audit = audit;
    this.jdbc = jdbc;
  }

  /** One checkpoint as the API shows it. */
  @Serdeable
  public record CheckpointView(
      int seq, Integer parentSeq, int step, long epoch, JsonNode state, Instant createdAt) {}

  /** The tenant's totals over a window. */
  @Serdeable
  public record UsageReport(
      Instant from,
      Instant to,
      long runs,
      long steps,
      long inputTokens,
      long outputTokens,
      long totalTokens,
      double costUsd) {}

  /** A run the caller may see; 404 otherwise. */
  @ReadOnly
  public Run visible(TenantPrincipal caller, UUID runId) {
    Run run = runs.find(caller.tenantId(), runId).orElseThrow(() -> RunAccess.notFound(runId));
    return RunAccess.readable(caller, run);
  }

  @ReadOnly
  public RunPage list(
      TenantPrincipal caller,
      String agent,
      String status,
      String mode,
      String creator,
      String parent,
      String cursor,
      Integer limit) {
    int pageSize = limit == null ? DEFAULT_PAGE : limit;
    if (pageSize < 1 || pageSize > MAX_PAGE) {
      throw badQuery("limit", "limit must be between 1 and " + MAX_PAGE);
    }
    UUID agentId = null;
    String agentName = null;
    if (agent != null && !agent.isBlank()) {
      try {
        agentId = UUID.fromString(agent);
      } catch (IllegalArgumentException byName) {
        agentName = agent;
      }
    }
    String onlyCreator = RunAccess.seesAll(caller) ? blankToNull(creator) : caller.subject();
    ListFilter filter =
        new ListFilter(
            agentId,
            agentName,
            status == null
                ? null
                : RunStatus.fromWire(status)
                    .orElseThrow(
                        () ->
                            badQuery(
                                "status",
                                "status is one of queued, running, waiting_approval, succeeded,"
                                    + " failed, cancelled, timed_out")),
            mode == null ? null : mode(mode),
            onlyCreator,
            parent == null ? null : parentRunId(parent));
    List<Run> rows = runs.list(caller.tenantId(), filter, position(cursor), pageSize + 1);
    List<RunView> items = rows.stream().limit(pageSize).map(RunView::of).toList();
    String next = null;
    if (rows.size() > pageSize) {
      Run last = rows.get(pageSize - 1);
      next = cursorOf(last);
    }
    return new RunPage(items, next);
  }

  private static UUID parentRunId(String parent) {
    try {
      return UUID.fromString(parent);
    } catch (IllegalArgumentException e) {
      throw badQuery("parent", "parent is the id of a run");
    }
  }

  /** The run's checkpoints in order; for its creator and admins. */
  @ReadOnly
  public List<CheckpointView> checkpoints(TenantPrincipal caller, UUID runId) {
    Run run = runs.find(caller.tenantId(), runId).orElseThrow(() -> RunAccess.notFound(runId));
    RunAccess.steerable(caller, run, "read the checkpoints of");
    return jdbc.prepareStatement(
        """
        SELECT seq, parent_seq, step, epoch, state::text, created_at FROM run_checkpoint
        WHERE run_id = ? AND tenant_id = ? ORDER BY seq
        """,
        statement -> {
          statement.setObject(1, runId);
          statement.setString(2, caller.tenantId());
          List<CheckpointView> views = new ArrayList<>();
          try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              views.add(
                  new CheckpointView(
                      rows.getInt(1),
                      (Integer) rows.getObject(2),
                      rows.getInt(3),
                      rows.getLong(4),
                      parse(rows.getString(5)),
                      rows.getTimestamp(6).toInstant()));
            }
          }
          return views;
        });
  }

  /** Who resumed or forked the run, oldest first; for whoever may read the run. */
  @ReadOnly
  List<RunAuditTrail.EntryView> audit(TenantPrincipal caller, UUID runId) {
    visible(caller, runId);
    return audit.entries(caller.tenantId(), runId);
  }

  @ReadOnly
  public UsageReport usage(String tenantId, Instant from, Instant to) {
    RunRepository.UsageTotals totals = runs.usage(tenantId, from, to);
    return new UsageReport(
        from,
        to,
        totals.runs(),
        totals.steps(),
        totals.inputTokens(),
        totals.outputTokens(),
        totals.inputTokens() + totals.outputTokens(),
        totals.costMicros() / 1_000_000.0);
  }

  private static RunMode mode(String mode) {
    return switch (mode.toLowerCase(Locale.ROOT)) {
      case "production" -> RunMode.PRODUCTION;
      case "debug" -> RunMode.DEBUG;
      default -> throw badQuery("mode", "mode is production or debug");
    };
  }

  private static String cursorOf(Run run) {
    String raw = run.createdAt().toString() + "|" + run.id();
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  private static ListPosition position(String cursor) {
    if (cursor == null || cursor.isBlank()) {
      return null;
    }
    try {
      String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      int bar = raw.indexOf('|');
      return new ListPosition(
          Instant.parse(raw.substring(0, bar)), UUID.fromString(raw.substring(bar + 1)));
    } catch (RuntimeException e) {
      throw badQuery("cursor", "cursor is not one this API handed out");
    }
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("A stored checkpoint does not parse", e);
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  static BadRequestException badQuery(String parameter, String message) {
    return new BadRequestException(
        message, List.of(new FieldError("/" + parameter, "invalid_value", message)));
  }
}
