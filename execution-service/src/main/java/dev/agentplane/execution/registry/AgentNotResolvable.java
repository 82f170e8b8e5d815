package dev.agentplane.execution.registry;

import dev.agentplane.kit.problem.FieldError;
import java.util.List;

/**
 * The agent of a run request does not exist in the tenant, or cannot run in the asked mode (no
 * active version, a tool reference that is not active, an archived version).
 *
 * @param errors what the registry listed, with pointers into the agent spec (e.g. {@code
 *     /tools/1}); empty when the agent does not exist
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
    return new AgentNotResolvable("The tenant has no agent " + agent, true, List.of());
  }

  static AgentNotResolvable notRunnable(String message, List<FieldError> errors) {
    return new AgentNotResolvable(message, false, errors);
  }

  /** True when the agent does not exist (as opposed to existing but not being runnable). */
  public boolean missing() {
    return missing;
  }

  public List<FieldError> errors() {
    return errors;
  }
}
