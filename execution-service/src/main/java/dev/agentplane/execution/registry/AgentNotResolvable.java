package dev.agentplane.execution.registry;

import dev.agentplane.kit.problem.FieldError;
import java.util.List;

/**
 * The agent of a run request, or its pinned version, does not exist in the tenant, or cannot run in
 * the asked mode (no active version, a tool reference that is not active, an archived version).
 *
 * @param errors where in the run request the problem is: {@code /agent} or {@code /version} when
 *     something does not exist; what the registry listed otherwise
 */
public final class AgentNotResolvable extends RuntimeException {

  private final boolean missing;
  private final List<FieldError> errors;

  private AgentNotResolvable(String message, boolean missing, List<FieldError> errors) {
    super(message);
    this.missing = missing;
    this.errors = List.copyOf(errors);
  }

  static AgentNotResolvable missing(String agent) {
    String message = "The tenant has no agent " + agent;
    return new AgentNotResolvable(
        message, true, List.of(new FieldError("/agent", "not_found", message)));
  }

  static AgentNotResolvable missingVersion(String agent, String version) {
    String message = "The agent " + agent + " has no version " + version;
    return new AgentNotResolvable(
        message, true, List.of(new FieldError("/version", "not_found", message)));
  }

  static AgentNotResolvable notRunnable(String message, List<FieldError> errors) {
    return new AgentNotResolvable(message, false, errors);
  }

  /**
   * True when the agent or the pinned version does not exist (as opposed to existing but not being
   * runnable).
   */
  public boolean missing() {
    return missing;
  }

  public List<FieldError> errors() {
    return errors;
  }
}
