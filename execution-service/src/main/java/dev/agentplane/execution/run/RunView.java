package dev.agentplane.execution.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/** A run as the API shows it. */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunView(
    UUID id,
    AgentRef agent,
    String mode,
    String status,
    JsonNode input,
    JsonNode output,
    ErrorView error,
    JsonNode metadata,
    String idempotencyKey,
    String createdBy,
    UUID parentRunId,
    String parentToolCallId,
    int depth,
    ForkView forkedFrom,
    int steps,
    UsageView usage,
    Instant cancelRequestedAt,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    Links links) {

  /** The agent version the run executes, as snapshotted at intake. */
  @Serdeable
  public record AgentRef(UUID id, String name, int version, String specHash) {}

  /** The checkpoint a forked run started from: checkpoint {@code seq} of run {@code runId}. */
  @Serdeable
  public record ForkView(UUID runId, int seq) {}

  /** Why a run did not succeed. */
  @Serdeable
  public record ErrorView(String code, String message) {}

  /** Tokens and cost so far ({@code costUsd} from the configured price table). */
  @Serdeable
  public record UsageView(long inputTokens, long outputTokens, long totalTokens, double costUsd) {

    static UsageView of(long input, long output, long costMicros) {
      return new UsageView(input, output, input + output, costMicros / 1_000_000.0);
    }
  }

  /** Where to go next. */
  @Serdeable
  public record Links(
      String self, String events, String checkpoints, String cancel, String audit) {}

  /** One page of runs, newest first; {@code nextCursor} until the last page. */
  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RunPage(List<RunView> items, String nextCursor) {}

  static RunView of(Run run) {
    String self = "/v1/runs/" + run.id();
    return new RunView(
        run.id(),
        new AgentRef(run.agentId(), run.agentName(), run.agentVersion(), run.specHash()),
        run.mode().name().toLowerCase(Locale.ROOT),
        run.status().wire(),
        run.input(),
        run.output(),
        run.errorCode() == null ? null : new ErrorView(run.errorCode(), run.errorMessage()),
        run.metadata(),
        run.idempotencyKey(),
        run.createdBy(),
        run.parentRunId(),
        run.parentToolCallId(),
        run.depth(),
        run.forkedFrom() == null
            ? null
            : new ForkView(run.forkedFrom().runId(), run.forkedFrom().seq()),
        run.steps(),
        UsageView.of(run.inputTokens(), run.outputTokens(), run.costMicros()),
        run.cancelRequestedAt(),
        run.createdAt(),
        run.startedAt(),
        run.finishedAt(),
        new Links(
            self, self + "/events", self + "/checkpoints", self + "/cancel", self + "/audit"));
  }
}
