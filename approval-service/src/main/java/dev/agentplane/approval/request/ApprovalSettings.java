package dev.agentplane.approval.request;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import java.time.Duration;
import java.util.List;

/** Knobs of approval requests; every one is documented in the service README. */
public final class ApprovalSettings {

  private ApprovalSettings() {}

  /** The roles of the platform an approver role may name (ARCHITECTURE § Identity). */
  static final List<String> KNOWN_ROLES =
      List.of("admin", "builder", "operator", "approver", "viewer");

  /**
   * The SLA sweep.
   *
   * @param interval pause between sweeps (default 5 s; read by {@code SweepSchedule})
   * @param batchSize rows locked per sweep transaction (default 100)
   * @param escalationRoles roles added to a request's approver roles when it escalates (default
   *     {@code [admin]})
   */
  @ConfigurationProperties("agentplane.approval.scheduler")
  public record Scheduler(
      @Nullable Duration interval,
      @Nullable Integer batchSize,
      @Nullable List<String> escalationRoles) {

    int batch() {
      return batchSize == null || batchSize < 1 ? 100 : batchSize;
    }

    List<String> rolesOnEscalation() {
      return escalationRoles == null || escalationRoles.isEmpty()
          ? List.of("admin")
          : List.copyOf(escalationRoles);
    }
  }

  /**
   * SLAs for requests that arrive on Kafka ({@code ApprovalRequested} carries none): unset means no
   * reminder and no escalation.
   */
  @ConfigurationProperties("agentplane.approval.defaults")
  public record Defaults(@Nullable Duration remindAfter, @Nullable Duration escalateAfter) {}
}
