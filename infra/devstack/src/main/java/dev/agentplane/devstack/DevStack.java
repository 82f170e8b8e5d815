package dev.agentplane.devstack;

import dev.agentplane.devstack.StackOptions.UsageException;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The launcher behind {@code ./agentplane}: {@code up} starts PostgreSQL, Kafka and the four
 * services as separate processes, waits until all are healthy and prints how to use them; Ctrl-C
 * stops everything. {@code down} stops a stack started from another terminal.
 *
 * <p>Arguments: {@code <repository root> up|down|token [options]} (see {@code ./agentplane help}).
 */
public final class DevStack {

  private static final int EXIT_FAILED = 1;
  private static final int EXIT_USAGE = 2;
  private static final Duration DOWN_GRACE = Duration.ofSeconds(90);

  private final StackOptions options;
  private final StateDirectory state;
  private final PrintStream out;
  private final PrintStream err;

  private DevStack(StackOptions options, PrintStream out, PrintStream err) {
    this.options = options;
    this.state = new StateDirectory(options.stateDirectory());
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    // Before the first logger exists: the console shows the launcher's messages, not its
    // libraries' (the children log to files of their own).
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "devstack-logback.xml");
    }
    if (args.length < 1) {
      System.err.println("Usage: DevStack <repository root> up|down|token [options]");
      System.exit(EXIT_USAGE);
    }
    String command = args.length > 1 ? args[1] : "up";
    List<String> flags = Arrays.asList(args).subList(Math.min(2, args.length), args.length);
    int exitCode;
    try {
      if (command.equals("token")) {
        System.exit(TokenCommand.run(Path.of(args[0]), flags, System.getenv()));
      }
      StackOptions options = StackOptions.parse(Path.of(args[0]), flags, System.getenv());
      DevStack devStack = new DevStack(options, System.out, System.err);
      exitCode =
          switch (command) {
            case "up" -> devStack.up();
            case "down" -> devStack.down();
            default -> throw new UsageException("Unknown command '" + command + "'.");
          };
      if (command.equals("up") && exitCode == 0) {
        awaitShutdown();
      }
    } catch (UsageException e) {
      System.err.println(e.getMessage() + " See ./agentplane help.");
      exitCode = EXIT_USAGE;
    }
    System.exit(exitCode);
  }

  /** Keeps the launcher alive until Ctrl-C or SIGTERM; the shutdown hook then stops the stack. */
  private static void awaitShutdown() {
    CountDownLatch never = new CountDownLatch(1);
    while (true) {
      try {
        never.await();
      } catch (InterruptedException e) {
        // Only a signal ends the launcher.
      }
    }
  }

  int up() {
    Instant launcherStart = ProcessHandle.current().info().startInstant().orElseGet(Instant::now);
    Instant deadline = Instant.now().plus(options.startupTimeout());
    Map<AgentPlaneService, List<Path>> classpaths = new EnumMap<>(AgentPlaneService.class);
    if (!readyToStart(classpaths)) {
      err.println("Nothing was started.");
      return EXIT_FAILED;
    }

    if (options.fresh()) {
      state.wipe();
      out.println("--fresh: deleted " + StateDirectory.display(state.root()) + ".");
    }
    state.create();
    String jwtSecret = options.jwtSecret().orElseGet(state::jwtSecret);
    PidFile pids = new PidFile(state.pidFile());
    pids.recordLauncher();
    RunningStack stack = new RunningStack(pids, out);
    Runtime.getRuntime().addShutdownHook(new Thread(stack::stop, "agentplane-devstack-stop"));

    out.println("Starting AgentPlane (state in " + StateDirectory.display(state.root()) + ")");
    try {
      start(stack, classpaths, jwtSecret, launcherStart, deadline);
      return 0;
    } catch (StartupFailure failure) {
      if (!stack.isStopping()) {
        report(failure);
      }
    } catch (IOException | RuntimeException e) {
      err.println("AgentPlane did not start:");
      e.printStackTrace(err);
    }
    stack.stop();
    return EXIT_FAILED;
  }

  /**
   * Checks, before anything starts, that this state directory is not in use, the ports are free and
   * the services are built; stops what a killed earlier run left behind. Fills in the services'
   * classpaths.
   */
  private boolean readyToStart(Map<AgentPlaneService, List<Path>> classpaths) {
    Leftovers leftovers = Leftovers.find(state);
    Optional<PidFile.Recorded> otherLauncher = leftovers.launcher();
    if (otherLauncher.isPresent()) {
      err.println(
          "AgentPlane is already running from "
              + StateDirectory.display(state.root())
              + " (launcher pid "
              + otherLauncher.get().process().pid()
              + "). Stop it with ./agentplane down, or Ctrl-C in its terminal.");
      return false;
    }
    if (!leftovers.isEmpty()) {
      out.println(
          "Stopped what an earlier run left behind: " + String.join(", ", leftovers.stop()) + ".");
    }

    Map<String, Integer> taken = PortCheck.taken(options.portsToCheck());
    taken.forEach(
        (name, port) ->
            err.println(
                name
                    + " "
                    + port
                    + " is already in use (choose another with "
                    + StackOptions.howToMove(name)
                    + ")."));
    if (!taken.isEmpty()) {
      return false;
    }

    try {
      for (AgentPlaneService service : AgentPlaneService.values()) {
        classpaths.put(service, ServiceProcess.classpath(options.repositoryRoot(), service));
      }
    } catch (StartupFailure e) {
      err.println(e.getMessage());
      return false;
    }
    return true;
  }

  /** Kafka and PostgreSQL, then the four services together; returns once all are healthy. */
  private void start(
      RunningStack stack,
      Map<AgentPlaneService, List<Path>> classpaths,
      String jwtSecret,
      Instant launcherStart,
      Instant deadline)
      throws IOException {
    // Kafka first: its JVM boots while PostgreSQL starts.
    KafkaBroker kafka =
        stack.startKafka(
            () ->
                options
                    .externalKafka()
                    .map(KafkaBroker::external)
                    .orElseGet(
                        () ->
                            KafkaBroker.startEmbedded(
                                state, options, ownClasspath(), state.freshLog(KafkaBroker.ROLE))));
    Postgres postgres =
        stack.startPostgres(
            () ->
                options
                    .externalDatabase()
                    .map(Postgres::external)
                    .orElseGet(() -> Postgres.startEmbedded(state)));
    progress("postgres", "ready", postgres.database().jdbcUrl(), launcherStart);
    kafka.awaitReady(deadline);
    progress("kafka", "ready", kafka.bootstrapServers(), launcherStart);

    Map<String, String> environment =
        serviceEnvironment(postgres.database(), kafka.bootstrapServers(), jwtSecret);
    for (AgentPlaneService service : AgentPlaneService.values()) {
      stack.startService(
          () ->
              ServiceProcess.start(
                  service,
                  options.port(service),
                  classpaths.get(service),
                  options.serviceJavaOptions(),
                  environment,
                  state.freshLog(service.displayName())));
    }
    awaitHealthy(stack, deadline, launcherStart);
    Duration startup = Duration.between(launcherStart, Instant.now());

    String token = DevToken.demoAdmin(jwtSecret, options.jwtIssuer(), Instant.now());
    StateDirectory.writePrivate(state.adminTokenFile(), token + System.lineSeparator());
    out.print(summary(stack, kafka, postgres, startup, token).render());
    out.flush();
    stack.reportUnexpectedExits(err);
  }

  private Map<String, String> serviceEnvironment(
      Postgres.Database database, String kafkaBootstrapServers, String jwtSecret) {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("AGENTPLANE_DB_URL", database.jdbcUrl());
    environment.put("AGENTPLANE_DB_USER", database.user());
    environment.put("AGENTPLANE_DB_PASSWORD", database.password());
    environment.put("AGENTPLANE_KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrapServers);
    environment.put("AGENTPLANE_JWT_SECRET", jwtSecret);
    environment.put("AGENTPLANE_JWT_ISSUER", options.jwtIssuer());
    environment.put("AGENTPLANE_LOG_FORMAT", options.logFormat());
    // Development only: webhooks may go to plain-http receivers on this machine.
    environment.put("AGENTPLANE_WEBHOOK_REQUIRE_HTTPS", "false");
    environment.put("AGENTPLANE_WEBHOOK_ALLOWED_HOSTS", "localhost,127.0.0.1");
    for (AgentPlaneService service : AgentPlaneService.values()) {
      environment.put(service.urlVariable(), "http://127.0.0.1:" + options.port(service));
    }
    return environment;
  }

  /** Polls every service's {@code /health} until all answer 200, one dies, or time runs out. */
  private void awaitHealthy(RunningStack stack, Instant deadline, Instant launcherStart) {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();
    List<ServiceProcess> waiting = new ArrayList<>(stack.services());
    while (!waiting.isEmpty()) {
      if (stack.isStopping()) {
        throw new StartupFailure("Stopped while starting.");
      }
      for (Iterator<ServiceProcess> it = waiting.iterator(); it.hasNext(); ) {
        ServiceProcess service = it.next();
        if (!service.jvm().isAlive()) {
          throw StartupFailure.withLog(
              service.name()
                  + " exited with code "
                  + service.jvm().exitValue()
                  + " before it was healthy",
              service.jvm().log());
        }
        if (service.isHealthy(http)) {
          it.remove();
          progress(service.name(), "healthy", service.url().toString(), launcherStart);
        }
      }
      if (!waiting.isEmpty() && Instant.now().isAfter(deadline)) {
        StringBuilder message =
            new StringBuilder("Not healthy within " + options.startupTimeout().toSeconds() + " s:");
        List<StartupFailure.LogExcerpt> logs = new ArrayList<>();
        for (ServiceProcess service : waiting) {
          message
              .append(System.lineSeparator())
              .append("  ")
              .append(service.name())
              .append(" (GET ")
              .append(service.url())
              .append("/health): ")
              .append(service.lastHealthAnswer());
          logs.add(StartupFailure.LogExcerpt.tail(service.jvm().log()));
        }
        throw new StartupFailure(message.toString(), logs);
      }
      pause();
    }
  }

  /** The poll interval of the deadline-bounded health wait: /health cannot push readiness. */
  private static void pause() {
    try {
      Thread.sleep(250);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupFailure("Interrupted while waiting for the services.");
    }
  }

  private ReadySummary summary(
      RunningStack stack,
      KafkaBroker kafka,
      Postgres postgres,
      Duration startup,
      String adminToken) {
    List<ReadySummary.Component> components = new ArrayList<>();
    for (ServiceProcess service : stack.services()) {
      components.add(
          new ReadySummary.Component(
              service.name(), service.url().toString(), memory(service.jvm().pid())));
    }
    components.add(
        new ReadySummary.Component(
            "kafka",
            kafka.bootstrapServers(),
            kafka.isEmbedded() ? memory(kafka.process().pid()) : "external"));
    components.add(
        new ReadySummary.Component(
            "postgres",
            postgres.database().jdbcUrl(),
            postgres.isEmbedded() ? "embedded, user " + postgres.database().user() : "external"));
    return new ReadySummary(
        startup,
        components,
        "http://127.0.0.1:" + options.port(AgentPlaneService.GATEWAY),
        adminToken,
        StateDirectory.display(state.adminTokenFile()),
        StateDirectory.display(state.logs()),
        StateDirectory.display(state.root()));
  }

  private static String memory(long pid) {
    return ResidentMemory.of(pid).map(memory -> "RSS " + memory.describe()).orElse("");
  }

  private void progress(String name, String status, String address, Instant launcherStart) {
    out.printf(
        Locale.ROOT,
        "  %-10s %-8s %s  (%.1f s)%n",
        name,
        status,
        address,
        Duration.between(launcherStart, Instant.now()).toMillis() / 1000.0);
    out.flush();
  }

  private void report(StartupFailure failure) {
    err.println();
    err.println("AgentPlane did not start: " + failure.getMessage());
    for (StartupFailure.LogExcerpt excerpt : failure.logs()) {
      err.println();
      err.println("--- last lines of " + StateDirectory.display(excerpt.log()) + " ---");
      excerpt.lines().forEach(err::println);
    }
    err.println();
    err.println(
        "Logs are in "
            + StateDirectory.display(state.logs())
            + ". Stopping what was started; nothing is left running.");
    err.flush();
  }

  int down() {
    Leftovers running = Leftovers.find(state);
    if (running.isEmpty()) {
      out.println("AgentPlane is not running from " + StateDirectory.display(state.root()) + ".");
      return 0;
    }
    Optional<PidFile.Recorded> launcher = running.launcher();
    if (launcher.isPresent()) {
      out.println("Stopping AgentPlane (launcher pid " + launcher.get().process().pid() + ")...");
      // Its shutdown hook stops services, Kafka and PostgreSQL in order.
      GracefulStop.stop(launcher.get().process(), DOWN_GRACE);
    }
    Leftovers left = Leftovers.find(state);
    if (!left.isEmpty()) {
      out.println("Stopped " + String.join(", ", left.stop()) + ".");
    }
    new PidFile(state.pidFile()).delete();
    out.println("AgentPlane is stopped.");
    return 0;
  }

  /** The launcher's own classpath, which holds the Kafka broker's jars. */
  private static List<Path> ownClasspath() {
    String classpath = System.getProperty("java.class.path");
    if (classpath == null || classpath.isBlank()) {
      throw new IllegalStateException("java.class.path is empty");
    }
    return Arrays.stream(classpath.split(File.pathSeparator)).map(Path::of).toList();
  }
}
