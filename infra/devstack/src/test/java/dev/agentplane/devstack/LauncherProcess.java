package dev.agentplane.devstack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The devstack launcher run the way {@code ./agentplane} runs it: its own JVM, from the module's
 * classes and recorded runtime classpath, with its console captured for assertions and copied to
 * {@code target/devstack-it/<name>.log} for whoever has to read a failure.
 */
final class LauncherProcess {

  private final Process process;
  private final StringBuffer output = new StringBuffer();

  private LauncherProcess(Process process, Path transcript) {
    this.process = process;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                      new BufferedReader(
                          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                  var copy = Files.newBufferedWriter(transcript, StandardCharsets.UTF_8)) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                  output.append(line).append('\n');
                  copy.write(line);
                  copy.newLine();
                  copy.flush();
                }
              } catch (IOException e) {
                output.append("(reading the launcher's output failed: ").append(e).append(")\n");
              }
            },
            "launcher-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code DevStack <repository root> <arguments...>}. */
  static LauncherProcess start(String name, List<String> arguments) {
    Path root = repositoryRoot();
    Path module = root.resolve("infra/devstack");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(
        module.resolve("target/classes")
            + java.io.File.pathSeparator
            + read(module.resolve("target/runtime-classpath.txt")).trim());
    command.add(DevStack.class.getName());
    command.add(root.toString());
    command.addAll(arguments);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    // The developer's own AGENTPLANE_* settings (an external database, other ports) must not leak
    // into a test that asserts what the embedded stack does.
    builder.environment().keySet().removeIf(variable -> variable.startsWith("AGENTPLANE_"));
    try {
      Path transcripts = module.resolve("target/devstack-it");
      Files.createDirectories(transcripts);
      return new LauncherProcess(builder.start(), transcripts.resolve(name + ".log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve("infra/devstack/pom.xml"))) {
        return dir;
      }
    }
    throw new IllegalStateException("Not inside the AgentPlane repository");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  int exitValue() {
    return process.exitValue();
  }

  String output() {
    return output.toString();
  }

  /** The rest of the first output line that starts with {@code prefix} (after trimming). */
  Optional<String> lineAfter(String prefix) {
    return output()
        .lines()
        .map(String::trim)
        .filter(line -> line.startsWith(prefix))
        .map(line -> line.substring(prefix.length()))
        .findFirst();
  }
}
