package dev.agentplane.approval.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.kit.json.JsonRequestBody;
import java.util.Objects;
import java.util.Set;

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

  /** The body fields of a decision. */
  public static final Set<String> FIELDS = Set.of("decision", "reason", "editedArguments");

  /** The decision in a request body (or part of one), as the API and inbound webhooks carry it. */
  public static DecisionCommand read(JsonRequestBody body) {
    return new DecisionCommand(
        Verdict.fromWire(body.text("decision"))
            .orElseThrow(
                () -> body.bad("decision", "invalid_value", "decision must be approve or reject")),
        body.optionalText("reason"),
        body.optionalJson("editedArguments"));
  }

  public static DecisionCommand approve() {
    return new DecisionCommand(Verdict.APPROVE, null, null);
  }

  public static DecisionCommand reject(String reason) {
    return new DecisionCommand(Verdict.REJECT, reason, null);
  }
}
