package dev.agentplane.contracts;

import java.util.List;

/** The Kafka topics of the platform; each record is keyed by its event's aggregate id. */
public final class Topics {

  /** Agent and tool version lifecycle; registry produces, anyone consumes. */
  public static final String REGISTRY_LIFECYCLE = "agentplane.registry.lifecycle";

  /** Requests to start a run; execution intake and external producers write, workers read. */
  public static final String RUNS_REQUESTED = "agentplane.runs.requested";

  /** Progress of runs; execution produces, the gateway and external consumers read. */
  public static final String RUNS_EVENTS = "agentplane.runs.events";

  /** Requests for a human decision; execution and registry produce, approval consumes. */
  public static final String APPROVALS_REQUESTED = "agentplane.approvals.requested";

  /** Human decisions; approval produces, execution and registry consume. */
  public static final String APPROVALS_DECIDED = "agentplane.approvals.decided";

  /** Every platform topic, without their dead-letter topics. */
  public static final List<String> ALL =
      List.of(
          REGISTRY_LIFECYCLE, RUNS_REQUESTED, RUNS_EVENTS, APPROVALS_REQUESTED, APPROVALS_DECIDED);

  private static final String DEAD_LETTER_SUFFIX = ".dlq";

  private Topics() {}

  /** The topic where a consumer parks records of {@code topic} it can never process. */
  public static String deadLetter(String topic) {
    return topic + DEAD_LETTER_SUFFIX;
  }

  /** The topic an event is published on. */
  public static String of(PlatformEvent event) {
    return switch (event) {
      case RegistryLifecycleEvent lifecycle -> REGISTRY_LIFECYCLE;
      case RunRequested request -> RUNS_REQUESTED;
      case RunEvent progress -> RUNS_EVENTS;
      case ApprovalRequested request -> APPROVALS_REQUESTED;
      case ApprovalDecided decision -> APPROVALS_DECIDED;
    };
  }
}
