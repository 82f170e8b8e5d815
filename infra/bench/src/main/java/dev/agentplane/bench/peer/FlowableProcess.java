package dev.agentplane.bench.peer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.ProcessCpu;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceSpec;
import dev.agentplane.testkit.TestPostgres.TestDatabase;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The peer engine in a JVM of its own (so its CPU is its own), started from this module's build
 * output with the services' JVM options: {@code FlowablePeer} measures one fixed-rate step and
 * writes its result as JSON. Its {@code MEASURE-BEGIN}/{@code MEASURE-END} lines bracket the
 * measured window, in which the CPU of every process is read.
 */
final class FlowableProcess {

  /** A measured step and the CPU each process spent per completed instance during it. */
  record Measured(JsonNode result, Map<String, Double> cpuPerInstance) {}

  private FlowableProcess() {}

  static Measured measure(
      BenchStack stack,
      TestDatabase database,
      double perSecond,
      Duration warmup,
      Duration measured,
      Duration approverPoll)
      throws IOException, InterruptedException {
    Path module = ServiceSpec.repositoryRoot().resolve("infra/bench");
    Path out = Files.createTempFile("flowable-step-", ".json");
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(BenchStack.SERVICE_JVM);
    command.add("-cp");
    command.add(
        module.resolve("target/classes")
            + File.pathSeparator
            + Files.readString(module.resolve("target/runtime-classpath.txt")).strip());
    command.add("dev.agentplane.bench.flowable.FlowablePeer");
    command.addAll(
        List.of(
            "--jdbc-url", database.jdbcUrl(),
            "--user", database.user(),
            "--password", database.password().isEmpty() ? "-" : database.password(),
            "--rate", String.format(Locale.ROOT, "%.1f", perSecond),
            "--warmup", Long.toString(warmup.toSeconds()),
            "--duration", Long.toString(measured.toSeconds()),
            "--approver-poll-ms", Long.toString(approverPoll.toMillis()),
            "--out", out.toString()));
    Process peer = new ProcessBuilder(command).redirectErrorStream(true).start();
    ProcessCpu cpu = stack.cpu().track("Flowable", peer.pid());
    ProcessCpu.Sample begin = null;
    ProcessCpu.Sample end = null;
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("MEASURE-BEGIN")) {
          begin = cpu.sample();
        } else if (line.startsWith("MEASURE-END")) {
          end = cpu.sample();
        } else if (!line.isBlank()) {
          System.out.println("    [flowable] " + line);
        }
      }
    }
    int exit = peer.waitFor();
    if (exit != 0) {
      throw new IllegalStateException("FlowablePeer exited with " + exit);
    }
    JsonNode result = ServiceApi.JSON.readTree(out.toFile());
    Files.deleteIfExists(out);
    long completed = result.path("completedInWindow").asLong();
    Map<String, Double> perInstance =
        begin == null || end == null ? Map.of() : end.millisPerOperation(begin, completed);
    return new Measured(result, perInstance);
  }
}
