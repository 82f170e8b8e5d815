package dev.agentplane.execution.run;

import dev.agentplane.kit.json.JsonRequestBody;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.ValidationFailedException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A request to fork a run: {@code POST /v1/runs/{id}/fork} {@code {fromSeq, mode?, reason?}}.
 *
 * @param fromSeq the checkpoint to start from, as {@code GET /v1/runs/{id}/checkpoints} numbers it
 * @param reason why, for the audit trail; null when not given
 */
record ForkRequest(int fromSeq, String reason) {

  static final Set<String> FIELDS = Set.of("fromSeq", "mode", "reason");

  /**
   * Reads the body strictly: a missing or non-integer {@code fromSeq} (or one below 1, which no
   * checkpoint has) is a 400, like any malformed field; a {@code mode} other than {@code debug} is
   * a well-formed value this endpoint refuses, a 422. Without {@code mode}, the fork is a debug run
   * all the same.
   */
  static ForkRequest read(String rawBody) {
    JsonRequestBody body = JsonRequestBody.parse(rawBody, FIELDS);
    Integer fromSeq = body.optionalPositiveInt("fromSeq");
    if (fromSeq == null) {
      throw body.bad(
          "fromSeq", "required", "fromSeq is required: the seq of the checkpoint to fork from");
    }
    String mode = body.optionalString("mode");
    if (mode != null && !mode.toLowerCase(Locale.ROOT).equals("debug")) {
      String message = "A fork is a debug run; mode must be debug (or left out)";
      throw new ValidationFailedException(
          message, List.of(new FieldError("/mode", "unsupported_value", message)));
    }
    return new ForkRequest(fromSeq, body.optionalText("reason", RunController.MAX_REASON));
  }
}
