package dev.agentplane.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A process's resident memory from {@code /proc/<pid>/status} (Linux only): {@code VmRSS} now and
 * {@code VmHWM}, the peak since it started.
 */
record ResidentMemory(long currentKiB, long peakKiB) {

  static Optional<ResidentMemory> of(long pid) {
    Path status = Path.of("/proc", Long.toString(pid), "status");
    try {
      List<String> lines = Files.readAllLines(status);
      long current = field(lines, "VmRSS:");
      long peak = field(lines, "VmHWM:");
      return current < 0 || peak < 0
          ? Optional.empty()
          : Optional.of(new ResidentMemory(current, peak));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static long field(List<String> lines, String name) {
    return lines.stream()
        .filter(line -> line.startsWith(name))
        .map(line -> line.substring(name.length()).replace("kB", "").trim())
        .mapToLong(Long::parseLong)
        .findFirst()
        .orElse(-1);
  }

  /** "142 MiB (peak 171 MiB)". */
  String describe() {
    return (currentKiB / 1024) + " MiB (peak " + (peakKiB / 1024) + " MiB)";
  }
}
