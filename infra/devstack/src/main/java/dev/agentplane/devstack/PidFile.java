package dev.agentplane.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code .agentplane/pids}: the processes a running stack has started, one {@code <role> <pid>
 * <start time>} a line, so that {@code ./agentplane down} (or the next {@code up}) can find them
 * even if the launcher was killed with {@code kill -9}. The start time tells a recorded process
 * from a later one that got the same PID.
 */
final class PidFile {

  static final String LAUNCHER = "launcher";

  private final Path file;

  PidFile(Path file) {
    this.file = file;
  }

  /** Starts a new record for this launcher, replacing the last run's. */
  void recordLauncher() {
    write(List.of(line(LAUNCHER, ProcessHandle.current())), false);
  }

  synchronized void record(String role, ProcessHandle process) {
    write(List.of(line(role, process)), true);
  }

  /** The recorded processes that are still running, in the order they were started. */
  List<Recorded> alive() {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<Recorded> alive = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length != 3) {
          continue;
        }
        long pid = Long.parseLong(fields[1]);
        long startedAt = Long.parseLong(fields[2]);
        ProcessHandle.of(pid)
            .filter(ProcessHandle::isAlive)
            .filter(process -> startedAt == 0 || startMillis(process) == startedAt)
            .ifPresent(process -> alive.add(new Recorded(fields[0], process)));
      }
    } catch (IOException | NumberFormatException e) {
      return alive;
    }
    return alive;
  }

  void delete() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A stale file names processes that are gone; alive() skips them.
    }
  }

  /** A process a stack started, still running. */
  record Recorded(String role, ProcessHandle process) {

    boolean isLauncher() {
      return role.equals(LAUNCHER);
    }

    String describe() {
      return role + " (pid " + process.pid() + ")";
    }
  }

  private static String line(String role, ProcessHandle process) {
    return role + " " + process.pid() + " " + startMillis(process);
  }

  private static long startMillis(ProcessHandle process) {
    return process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
  }

  private void write(List<String> lines, boolean append) {
    try {
      Files.createDirectories(file.getParent());
      Files.write(
          file,
          lines,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.WRITE,
          append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write " + file, e);
    }
  }
}
