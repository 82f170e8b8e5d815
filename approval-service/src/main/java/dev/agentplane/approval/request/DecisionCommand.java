package dev.agentplane.approval.request;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One approver's decision as asked: approve (optionally with edited tool-call arguments) or reject
 * (with a reason).
 *
 * @param reason why; required when rejecting (it goes back to the model as the tool result)
 * @param editedArguments replacement arguments for a {@code tool_call} request, or null
 */
public record DecisionCommand(Verdict decision, String reason, JsonNode editedArguments) {

  public DecisionCommand {
    Objects.requireNonNull(decision, "decision");
  }

  public static DecisionCommand approve() {
    return new DecisionCommand(Verdict.APPROVE, null, null);
  }

  public static DecisionCommand reject(String reason) {
    return new DecisionCommand(Verdict.REJECT, reason, null);
  }
}
