package dev.agentplane.devstack;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * A JVM the devstack starts (the Kafka broker, each service): its own process, its output in a log
 * file, and wrapped by {@link ExitWithLauncher} so it exits when the launcher dies, however it
 * dies.
 */
final class ChildJvm {

  /** On Linux, {@code setsid} puts each child in its own session (see {@link #start}). */
  private static final Path SETSID =
      List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid")).stream()
          .filter(Files::isExecutable)
          .findFirst()
          .orElse(null);

  private final String name;
  private final Process process;
  private final Path log;

  private ChildJvm(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code mainClass} in a new JVM of the same JDK as the launcher.
   *
   * <p>Each child gets a session of its own ({@code setsid}, when the system has it), so Ctrl-C in
   * the terminal reaches only the launcher, which then stops the children in order: services before
   * Kafka before PostgreSQL. Without it, the terminal would signal all of them at once.
   */
  static ChildJvm start(
      String name,
      List<Path> classpath,
      List<String> jvmOptions,
      String mainClass,
      List<String> arguments,
      Map<String, String> environment,
      Path log) {
    List<String> command = new ArrayList<>();
    if (SETSID != null) {
      command.add(SETSID.toString());
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add(
        "-D" + ExitWithLauncher.LAUNCHER_PID_PROPERTY + "=" + ProcessHandle.current().pid());
    command.add("-D" + ExitWithLauncher.PROCESS_NAME_PROPERTY + "=" + name);
    command.add("-cp");
    List<Path> fullClasspath = new ArrayList<>(classpath);
    // Last, so that nothing in the devstack's own classes shadows the child's.
    fullClasspath.add(devstackClasses());
    command.add(
        fullClasspath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
    command.add(ExitWithLauncher.class.getName());
    command.add(mainClass);
    command.addAll(arguments);

    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    try {
      Files.createDirectories(log.getParent());
      return new ChildJvm(name, builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start " + name + ": " + e.getMessage(), e);
    }
  }

  /** Reads a classpath as written by {@code maven-dependency-plugin:build-classpath}. */
  static List<Path> readClasspathFile(Path file) {
    try {
      String content = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (content.isEmpty()) {
        return List.of();
      }
      return Arrays.stream(content.split(File.pathSeparator)).map(Path::of).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read " + file, e);
    }
  }

  /** Where the devstack's classes are: target/classes when run from the build, else the jar. */
  static Path devstackClasses() {
    try {
      return Path.of(ChildJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("Cannot locate the devstack's classes", e);
    }
  }

  String name() {
    return name;
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  long pid() {
    return process.pid();
  }

  Path log() {
    return log;
  }

  /** Completes with the process when it exits, whoever stopped it. */
  CompletableFuture<Process> onExit() {
    return process.onExit();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The exit code, for a process that has exited. */
  int exitValue() {
    return process.exitValue();
  }

  /** The last lines of a log, for a failure report. */
  static List<String> lastLines(Path file, int count) {
    if (!Files.exists(file)) {
      return List.of();
    }
    // Only the end of the file is read: a crash loop can write megabytes.
    try (RandomAccessFile input = new RandomAccessFile(file.toFile(), "r")) {
      long length = input.length();
      int size = (int) Math.min(length, 64 * 1024);
      byte[] tail = new byte[size];
      input.seek(length - size);
      input.readFully(tail);
      List<String> lines = new String(tail, StandardCharsets.UTF_8).lines().toList();
      return lines.subList(Math.max(0, lines.size() - count), lines.size());
    } catch (IOException e) {
      return List.of("(could not read " + file + ": " + e.getMessage() + ")");
    }
  }
}
