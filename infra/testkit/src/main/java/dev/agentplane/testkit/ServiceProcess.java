package dev.agentplane.testkit;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One AgentPlane service in a child JVM, started from its module's build output ({@code
 * target/classes} and the {@code target/runtime-classpath.txt} every module records) as the
 * devstack starts it, on the test JVM's PostgreSQL and Kafka: a real process that tests can crash.
 *
 * <p>It keeps its port and its log file across {@link #restart()}s, so clients need no new address
 * and the log tells the whole story. {@link #kill()} is a crash (SIGKILL: no shutdown hook runs,
 * leases are left to lapse); {@link #stop()} is an operator's stop (SIGTERM: the service shuts down
 * gracefully); {@link #pause()} freezes it (SIGSTOP) until {@link #resume()} (SIGCONT).
 */
public final class ServiceProcess implements AutoCloseable {

  private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(120);
  private static final Duration GRACEFUL_STOP_WITHIN = Duration.ofSeconds(30);
  private static final Duration EXIT_AFTER_KILL_WITHIN = Duration.ofSeconds(10);

  /** How a JVM killed by SIGKILL (signal 9) exits, as {@link Process#exitValue()} reports it. */
  private static final int KILLED_BY_SIGKILL = 128 + 9;

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final ServiceSpec spec;
  private final int port;
  private final Path log;
  private volatile Process process;
  private volatile CompletableFuture<Void> startingAgain;

  private ServiceProcess(ServiceSpec spec, int port, Path log) {
    this.spec = spec;
    this.port = port;
    this.log = log;
    Runtime.getRuntime()
        .addShutdownHook(new Thread(this::destroyNow, "stop-" + spec.name() + "-on-exit"));
  }

  /** Starts the service and waits until its {@code /health} answers 200. */
  public static ServiceProcess start(ServiceSpec spec) {
    ServiceProcess service = launch(spec);
    service.awaitHealthy();
    return service;
  }

  /**
   * Starts the service without waiting for it, so that several start side by side; {@link
   * #awaitHealthy()} then waits for each.
   */
  public static ServiceProcess launch(ServiceSpec spec) {
    try {
      ServiceProcess service =
          new ServiceProcess(
              spec,
              FreePorts.belowEphemeralRange(),
              Files.createTempFile(spec.name() + "-", ".log"));
      service.startProcess();
      return service;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start " + spec.name(), e);
    }
  }

  public String name() {
    return spec.name();
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /**
   * The live one of {@code instances} that a run's lease owner names: an owner names its JVM
   * ({@code <pid>@<host>/...}).
   */
  public static ServiceProcess namedByLeaseOwner(
      String leaseOwner, List<ServiceProcess> instances) {
    long pid = Long.parseLong(leaseOwner.substring(0, leaseOwner.indexOf('@')));
    return instances.stream()
        .filter(instance -> instance.isAlive() && instance.pid() == pid)
        .findFirst()
        .orElseThrow(() -> new AssertionError("No instance runs as " + leaseOwner));
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    Process running = process;
    return running != null && running.isAlive();
  }

  /** Waits until {@code /health} answers 200; fails with the log's tail if the process exits. */
  public void awaitHealthy() {
    Process running = process;
    try {
      await(spec.name() + "'s /health")
          .atMost(HEALTHY_WITHIN)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                if (!running.isAlive()) {
                  throw new IllegalStateException(
                      spec.name() + " exited with " + running.exitValue() + ":\n" + logTail(80));
                }
                return healthy();
              });
    } catch (RuntimeException e) {
      running.destroyForcibly();
      throw new IllegalStateException(
          spec.name() + " did not become healthy; its log ends:\n" + logTail(80), e);
    }
  }

  /**
   * Crashes the service: SIGKILL, so nothing of it runs any more (no shutdown hook, no lease
   * released, no Kafka group left). Returns once it is gone, and checks that the signal was
   * SIGKILL: {@link Process#destroyForcibly()} promises only "forcibly".
   */
  public void kill() {
    Process running = process;
    ProcessHandle handle = running.toHandle();
    running.destroyForcibly();
    int exit = awaitExit(running, EXIT_AFTER_KILL_WITHIN);
    if (exit != KILLED_BY_SIGKILL || handle.isAlive()) {
      throw new IllegalStateException(
          spec.name() + " (pid " + handle.pid() + ") ended with " + exit + ", not by SIGKILL");
    }
    note("killed (SIGKILL), exit " + exit);
  }

  /**
   * Freezes the service where it stands (SIGSTOP), as a long GC pause, a VM migration or a laptop
   * lid would: its threads, timers and sockets stay as they are, its connections stay open, and it
   * does nothing at all (no lease renewal, no Kafka heartbeat) until {@link #resume()}. Returns
   * once the kernel reports the process stopped.
   */
  public void pause() {
    signal("STOP");
    awaitPaused(true, "stopped");
    note("paused (SIGSTOP)");
  }

  /** Lets a {@link #pause()}d service go on from where it stood (SIGCONT). */
  public void resume() {
    signal("CONT");
    awaitPaused(false, "running again");
    note("resumed (SIGCONT)");
  }

  /** Whether the process is stopped by a signal ({@link #pause()}). */
  public boolean isPaused() {
    return isAlive() && processState() == 'T';
  }

  /** Stops the service gracefully (SIGTERM: its shutdown hooks run) and waits until it exited. */
  public void stop() {
    Process running = process;
    if (running == null || !running.isAlive()) {
      return;
    }
    if (isPaused()) {
      // A stopped process would hold SIGTERM until it is continued.
      resume();
    }
    running.destroy();
    try {
      note("stopped (SIGTERM), exit " + awaitExit(running, GRACEFUL_STOP_WITHIN));
    } catch (IllegalStateException tooSlow) {
      running.destroyForcibly();
      awaitExit(running, EXIT_AFTER_KILL_WITHIN);
      throw new IllegalStateException(
          spec.name() + " did not stop within " + GRACEFUL_STOP_WITHIN + "; killed", tooSlow);
    }
  }

  /** Stops the service if it runs, starts it again on the same port, and waits until healthy. */
  public void restart() {
    stop();
    startProcess();
    awaitHealthy();
  }

  /**
   * Starts the service again if it is not running (after {@link #kill()}, say), or waits for the
   * start {@link #startAgainInBackground()} began.
   */
  public void ensureRunning() {
    CompletableFuture<Void> pending = startingAgain;
    if (pending != null) {
      startingAgain = null;
      pending.join();
    }
    if (!isAlive()) {
      startProcess();
      awaitHealthy();
    }
  }

  /**
   * Starts the service again on another thread, as a supervisor brings back a crashed process,
   * while the test goes on; {@link #ensureRunning()} waits for it.
   */
  public void startAgainInBackground() {
    startingAgain =
        CompletableFuture.runAsync(
            () -> {
              if (!isAlive()) {
                startProcess();
                awaitHealthy();
              }
            });
  }

  /** The file the service's output goes to, every start of it appended. */
  public Path logFile() {
    return log;
  }

  /** The last {@code lines} lines of the log (every start of this service appends to it). */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return "["
          + log
          + "]\n"
          + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "[" + log + " unreadable: " + e + "]";
    }
  }

  /** Stops the service gracefully. */
  @Override
  public void close() {
    stop();
  }

  private void startProcess() {
    Path module = spec.moduleDirectory();
    Path classes = module.resolve("target/classes");
    Path recorded = module.resolve("target/runtime-classpath.txt");
    if (!Files.isDirectory(classes) || !Files.isRegularFile(recorded)) {
      throw new IllegalStateException(
          module.getFileName()
              + " is not built: run ./mvnw -pl "
              + module.getFileName()
              + " -am package -DskipTests (the reactor build does it before this module)");
    }
    try {
      List<String> command = new ArrayList<>();
      command.add(ProcessHandle.current().info().command().orElse("java"));
      command.addAll(spec.jvmFlags());
      command.add("-cp");
      command.add(classes + File.pathSeparator + Files.readString(recorded).strip());
      command.add(spec.mainClass());
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().putAll(spec.environment());
      builder.environment().put("AGENTPLANE_HTTP_PORT", String.valueOf(port));
      note("starting on port " + port);
      process = builder.start();
      note("started, pid " + process.pid());
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start " + spec.name(), e);
    }
  }

  private boolean healthy() {
    try {
      return HTTP.send(
                  HttpRequest.newBuilder(uri().resolve("/health"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException notYet) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void signal(String name) {
    long pid = pid();
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not signal " + spec.name(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void awaitPaused(boolean paused, String described) {
    await(spec.name() + " to be " + described)
        .atMost(EXIT_AFTER_KILL_WITHIN)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> (processState() == 'T') == paused);
  }

  /** The process's state letter from {@code /proc/<pid>/stat} (Linux): R, S, D, T, Z... */
  private char processState() {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
      // pid (command) STATE ...: the command may hold spaces and parentheses, the state follows
      // the last closing one.
      return stat.charAt(stat.lastIndexOf(')') + 2);
    } catch (IOException gone) {
      return 'X';
    }
  }

  private int awaitExit(Process running, Duration within) {
    try {
      if (!running.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(spec.name() + " still runs after " + within);
      }
      return running.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A line of the test's own in the service's log, so the log shows what the test did to it. */
  private void note(String what) {
    try {
      Files.writeString(
          log,
          "=== " + Instant.now() + " [test] " + spec.name() + " " + what + " ===\n",
          StandardOpenOption.APPEND);
    } catch (IOException ignored) {
      // The note only helps reading the log; the test goes on without it.
    }
  }

  private void destroyNow() {
    Process running = process;
    if (running != null) {
      running.destroyForcibly();
    }
  }
}
