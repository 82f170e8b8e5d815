package dev.agentplane.execution.run;

import dev.agentplane.kit.problem.ForbiddenException;
import dev.agentplane.kit.problem.NotFoundException;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import java.util.UUID;

/**
 * Who may see and steer a run. Decision: a run is visible to its creator and to the tenant's
 * operators and admins (ARCHITECTURE.md); anyone else gets the 404 of a run that does not exist.
 * Only the creator and admins cancel or read checkpoints: an operator reads another's run but gets
 * a 403 when cancelling it, since it can already see the run exists.
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
