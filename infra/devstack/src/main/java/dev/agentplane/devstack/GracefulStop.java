package dev.agentplane.devstack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Stops processes the way an operator would: SIGTERM, a grace period for their shutdown hooks, then
 * SIGKILL for them and anything they started.
 */
final class GracefulStop {

  private static final Duration AFTER_KILL = Duration.ofSeconds(5);
  private static final Duration POLL = Duration.ofMillis(50);

  private GracefulStop() {}

  /**
   * Stops all of them together (they stop in parallel, so a group costs one grace period) and
   * returns once every one of them and their descendants has exited.
   *
   * @return the processes that had to be killed because they outlived the grace period
   */
  static List<ProcessHandle> stopAll(List<ProcessHandle> processes, Duration grace) {
    List<ProcessHandle> everything = new ArrayList<>();
    for (ProcessHandle process : processes) {
      // Snapshot first: once a parent has exited, its children are no longer its descendants.
      everything.addAll(process.descendants().toList());
      everything.add(process);
    }
    processes.forEach(ProcessHandle::destroy);
    awaitExit(processes, grace);

    List<ProcessHandle> killed = new ArrayList<>();
    for (ProcessHandle process : everything) {
      if (process.isAlive()) {
        process.destroyForcibly();
        killed.add(process);
      }
    }
    awaitExit(killed, AFTER_KILL);
    return killed;
  }

  static List<ProcessHandle> stop(ProcessHandle process, Duration grace) {
    return stopAll(List.of(process), grace);
  }

  /**
   * Waits until none of the processes is alive; false if some still are when time runs out.
   *
   * <p>Polls rather than waiting on {@link ProcessHandle#onExit()}, whose completion runs on the
   * common fork-join pool: in a shutdown hook on a small machine that pool may be busy or blocked,
   * which would turn every stop into a full grace period.
   */
  static boolean awaitExit(List<ProcessHandle> processes, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (processes.stream().anyMatch(ProcessHandle::isAlive)) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      try {
        // Poll interval, bounded by the deadline above (why not onExit(): see the Javadoc).
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }
}
