package dev.agentplane.devstack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Processes a previous stack left running because its launcher could not stop them ({@code kill
 * -9}, a crash). The services and Kafka exit on their own when the launcher dies ({@link
 * ExitWithLauncher}); PostgreSQL, detached by pg_ctl, does not, so it is usually what is found
 * here.
 */
final class Leftovers {

  private static final Duration GRACE = Duration.ofSeconds(20);

  private final List<PidFile.Recorded> processes;

  private Leftovers(List<PidFile.Recorded> processes) {
    this.processes = processes;
  }

  /** What is still running from the stack recorded in this state directory. */
  static Leftovers find(StateDirectory state) {
    List<PidFile.Recorded> alive = new ArrayList<>(new PidFile(state.pidFile()).alive());
    Postgres.runningPostmaster(state.postgresData())
        .filter(postmaster -> alive.stream().noneMatch(known -> known.process().equals(postmaster)))
        .ifPresent(postmaster -> alive.add(new PidFile.Recorded(Postgres.ROLE, postmaster)));
    return new Leftovers(List.copyOf(alive));
  }

  boolean isEmpty() {
    return processes.isEmpty();
  }

  /** The launcher of a stack that is still running: its own shutdown stops the rest in order. */
  Optional<PidFile.Recorded> launcher() {
    return processes.stream().filter(PidFile.Recorded::isLauncher).findFirst();
  }

  /**
   * Stops everything the way a running stack stops: launcher, services, Kafka, then PostgreSQL.
   *
   * @return what was stopped, for the user
   */
  List<String> stop() {
    List<String> stopped = new ArrayList<>();
    List<PidFile.Recorded> inStopOrder =
        processes.stream().sorted(Comparator.comparingInt(Leftovers::stopRank)).toList();
    for (PidFile.Recorded recorded : inStopOrder) {
      if (recorded.process().isAlive()) {
        GracefulStop.stop(recorded.process(), GRACE);
        stopped.add(recorded.describe());
      }
    }
    return stopped;
  }

  private static int stopRank(PidFile.Recorded recorded) {
    return switch (recorded.role()) {
      case PidFile.LAUNCHER -> 0;
      case KafkaBroker.ROLE -> 2;
      case Postgres.ROLE -> 3;
      default -> 1; // a service
    };
  }
}
