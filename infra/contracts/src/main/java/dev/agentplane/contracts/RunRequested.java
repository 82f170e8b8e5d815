package dev.agentplane.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Asks for a run, on {@link Topics#RUNS_REQUESTED}; execution intake and external producers emit,
 * execution workers consume.
 *
 * @param runId the run to start, null for external requests (intake assigns one)
 * @param agent the agent's id or name
 * @param version a version number, {@code active}, or null for the active version
 * @param input the run's input, any JSON value
 * @param idempotencyKey deduplicates requests of one tenant, null when the producer does not care
 * @param metadata free labels kept on the run, never interpreted
 * @param requestedBy the principal the run acts for
 */
@EventType("dev.agentplane.run.requested")
public record RunRequested(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    String tenantId,
    UUID runId,
    String agent,
    String version,
    JsonNode input,
    RunMode mode,
    String idempotencyKey,
    Map<String, String> metadata,
    Requester requestedBy)
    implements PlatformEvent {

  public RunRequested {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  /**
   * The run id once assigned; before that, the idempotency key, so that retries of one request stay
   * in order on one partition; failing both, the event itself.
   */
  @Override
  public String aggregateId() {
    if (runId != null) {
      return runId.toString();
    }
    return Objects.requireNonNullElseGet(idempotencyKey, eventId::toString);
  }
}
