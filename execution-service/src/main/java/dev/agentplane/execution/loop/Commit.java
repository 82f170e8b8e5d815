package dev.agentplane.execution.loop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.gate.GateRequest;
import dev.agentplane.execution.run.Run;
import dev.agentplane.execution.run.RunStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * What one journal commit writes for a run, atomically and only under a current lease: the run's
 * counters from {@code state}, a checkpoint of it when {@code checkpoint} is set, events, gates to
 * open, and for the last commit of a run its terminal status.
 */
final class Commit {

  /** A terminal outcome. */
  record Ending(RunStatus status, JsonNode output, String errorCode, String errorMessage) {}

  final RunState state;
  final boolean checkpoint;
  final List<EventDraft> events = new ArrayList<>();
  final List<GateRequest> gatesToOpen = new ArrayList<>();
  Run run;
  Ending ending;
  boolean closesGates;

  private Commit(RunState state, boolean checkpoint) {
    this.state = state;
    this.checkpoint = checkpoint;
  }

  /** A commit that checkpoints {@code state}: the end of a step. */
  static Commit checkpointing(RunState state) {
    return new Commit(state, true);
  }

  /** A commit of events only; {@code state} still supplies the run's counters. */
  static Commit eventsOnly(RunState state) {
    return new Commit(state, false);
  }

  Commit event(EventDraft draft) {
    events.add(draft);
    return this;
  }

  Commit ending(Ending terminal) {
    this.ending = terminal;
    return this;
  }

  /** Opens gates for these calls of {@code gatedRun}, asking for their approvals. */
  Commit openGates(Run gatedRun, List<GateRequest> requests) {
    this.run = gatedRun;
    gatesToOpen.addAll(requests);
    return this;
  }

  /** With an ending: closes the run's waiting gates and withdraws their approval requests. */
  Commit closingGates() {
    this.closesGates = true;
    return this;
  }
}
