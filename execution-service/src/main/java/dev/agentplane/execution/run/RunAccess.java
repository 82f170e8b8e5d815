package dev.agentplane.execution.run;

import dev.agentplane.contracts.RunMode;
import dev.agentplane.kit.problem.ForbiddenException;
import dev.agentplane.kit.problem.NotFoundException;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import java.util.UUID;

/**
 * Who may start, see and steer a run. Decision: a run is visible to its creator and to the tenant's
 * operators and admins (ARCHITECTURE.md); anyone else gets the 404 of a run that does not exist.
 * Only the creator and admins cancel, resume, fork or read checkpoints: an operator reads another's
 * run but gets a 403 when cancelling it, since it can already see the run exists. A service
 * principal resumes only the runs it created, and never forks (a fork is a debug run).
 */
public final class RunAccess {

  private RunAccess() {}

  static boolean canRead(TenantPrincipal caller, Run run) {
    return isCreator(caller, run) || caller.hasAnyRole(Role.OPERATOR);
  }

  static Run readable(TenantPrincipal caller, Run run) {
    if (!canRead(caller, run)) {
      throw notFound(run.id());
    }
    return run;
  }

  /** For cancel and checkpoints: the creator or an admin; 403 for other readers, 404 for others. */
  static Run steerable(TenantPrincipal caller, Run run, String action) {
    readable(caller, run);
    if (!isCreator(caller, run) && !caller.roles().contains(Role.ADMIN)) {
      throw new ForbiddenException(
          "not-run-owner", "Only the run's creator or an admin may " + action + " this run");
    }
    return run;
  }

  /**
   * Whether the caller may start a run of this mode at all, whatever the run: production runs are
   * for operators and admins, debug runs for builder and admin users, never service principals.
   */
  static void mayStart(TenantPrincipal caller, RunMode mode) {
    if (mode == RunMode.PRODUCTION && !caller.hasAnyRole(Role.OPERATOR)) {
      throw new ForbiddenException(
          "production-run-forbidden",
          "Production runs need the operator or admin role in tenant " + caller.tenantId());
    }
    if (mode == RunMode.DEBUG && (caller.isService() || !caller.hasAnyRole(Role.BUILDER))) {
      throw new ForbiddenException(
          "debug-run-forbidden",
          "Debug runs are for builder or admin users, never for service principals");
    }
  }

  /**
   * For resume: as {@link #steerable}, except that an admin's say over others' runs is a person's:
   * a service principal resumes only the runs it created, whatever its roles, since a resume starts
   * spending again on someone else's behalf.
   */
  static Run resumable(TenantPrincipal caller, Run run) {
    steerable(caller, run, "resume");
    if (caller.isService() && !isCreator(caller, run)) {
      throw new ForbiddenException(
          "not-run-owner", "A service principal may only resume the runs it created");
    }
    return run;
  }

  /**
   * For fork: the fork is a debug run ({@link #mayStart}, checked before the run is looked up,
   * since it does not depend on the run) that copies the run's checkpoint, so it needs the same
   * rights as reading the checkpoints.
   */
  static Run forkable(TenantPrincipal caller, Run run) {
    return steerable(caller, run, "fork");
  }

  /** Whether the caller sees every run of the tenant in lists, not only its own. */
  static boolean seesAll(TenantPrincipal caller) {
    return caller.hasAnyRole(Role.OPERATOR);
  }

  static NotFoundException notFound(UUID runId) {
    return notFound(runId.toString());
  }

  private static NotFoundException notFound(String reference) {
    return new NotFoundException("No run " + reference + " in this tenant");
  }

  /**
   * The run id of a request path; one that is not a UUID names no run, the same 404 as another
   * tenant's run.
   */
  public static UUID runIdOf(String pathId) {
    try {
      return UUID.fromString(pathId);
    } catch (IllegalArgumentException e) {
      throw notFound(pathId);
    }
  }

  private static boolean isCreator(TenantPrincipal caller, Run run) {
    return caller.subject().equals(run.createdBy()) && caller.principalType() == run.creatorType();
  }
}
