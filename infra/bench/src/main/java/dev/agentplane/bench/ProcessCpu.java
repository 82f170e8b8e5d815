package dev.agentplane.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * CPU time spent by the processes of a benchmark, read from {@code /proc}: everything shares two
 * cores here, so each scenario reports what each process spent per operation besides its rates.
 *
 * <p>A group is one process and its descendants. A PostgreSQL server forks a backend per
 * connection; the postmaster's {@code cutime}/{@code cstime} hold the CPU of backends it has
 * reaped, and live backends count on their own, so the group's total only grows as backends come
 * and go.
 */
public final class ProcessCpu {

  /** Clock ticks per second of {@code /proc/<pid>/stat}: 100 on every Linux this runs on. */
  private static final double TICKS_PER_MILLISECOND = 0.1;

  private final Map<String, LongSupplier> groups = new LinkedHashMap<>();

  /** Counts {@code pid} and every process below it under {@code name}. */
  public ProcessCpu track(String name, long pid) {
    groups.put(name, () -> ticksOfTree(pid));
    return this;
  }

  /**
   * Counts {@code pid} under {@code name} while {@code pid} runs, as a supplier asked each time.
   */
  public ProcessCpu track(String name, LongSupplier pid) {
    groups.put(name, () -> ticksOfTree(pid.getAsLong()));
    return this;
  }

  /** Counts this JVM alone (its own threads, not the processes it started). */
  public ProcessCpu trackSelf(String name) {
    long self = ProcessHandle.current().pid();
    groups.put(name, () -> ownTicks(self));
    return this;
  }

  public ProcessCpu untrack(String name) {
    groups.remove(name);
    return this;
  }

  /** Ticks spent so far by each group. */
  public Sample sample() {
    Map<String, Long> ticks = new LinkedHashMap<>();
    groups.forEach((name, reading) -> ticks.put(name, reading.getAsLong()));
    return new Sample(ticks, System.nanoTime());
  }

  /** What each group spent between two readings. */
  public record Sample(Map<String, Long> ticks, long takenAtNanos) {

    /** CPU milliseconds each group spent since {@code earlier}, per operation. */
    public Map<String, Double> millisPerOperation(Sample earlier, long operations) {
      Map<String, Double> perOperation = new LinkedHashMap<>();
      ticks.forEach(
          (name, now) -> {
            Long before = earlier.ticks.get(name);
            if (before != null && operations > 0) {
              perOperation.put(name, (now - before) / TICKS_PER_MILLISECOND / operations);
            }
          });
      return perOperation;
    }

    /** Cores each group kept busy on average since {@code earlier}. */
    public Map<String, Double> coresBusy(Sample earlier) {
      double elapsedMillis = (takenAtNanos - earlier.takenAtNanos) / 1e6;
      Map<String, Double> cores = new LinkedHashMap<>();
      ticks.forEach(
          (name, now) -> {
            Long before = earlier.ticks.get(name);
            if (before != null && elapsedMillis > 0) {
              cores.put(name, (now - before) / TICKS_PER_MILLISECOND / elapsedMillis);
            }
          });
      return cores;
    }
  }

  private static long ticksOfTree(long pid) {
    return ProcessHandle.of(pid)
        .map(
            root ->
                allTicks(root.pid())
                    + root.descendants().mapToLong(child -> allTicks(child.pid())).sum())
        .orElse(0L);
  }

  /** utime + stime + cutime + cstime: the process and the children it has waited for. */
  private static long allTicks(long pid) {
    long[] fields = statFields(pid);
    return fields == null ? 0 : fields[0] + fields[1] + fields[2] + fields[3];
  }

  private static long ownTicks(long pid) {
    long[] fields = statFields(pid);
    return fields == null ? 0 : fields[0] + fields[1];
  }

  /** utime, stime, cutime, cstime; null when the process is gone. */
  private static long[] statFields(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name (field 2) is in parentheses and may hold spaces: count after its end.
      String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after[0] is field 3 (state); utime is field 14.
      return new long[] {
        Long.parseLong(after[11]),
        Long.parseLong(after[12]),
        Long.parseLong(after[13]),
        Long.parseLong(after[14])
      };
    } catch (IOException | RuntimeException gone) {
      return null;
    }
  }
}
