package dev.agentplane.devstack;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What one {@code up} has started, and its orderly stop: the services (together), then Kafka, then
 * PostgreSQL. Starting a component and stopping the stack are serialized, so Ctrl-C during a start
 * waits for that component and stops it too instead of orphaning it.
 */
final class RunningStack {

  private static final Duration SERVICE_STOP_GRACE = Duration.ofSeconds(20);

  private final PidFile pids;
  private final PrintStream out;
  private Postgres postgres;
  private KafkaBroker kafka;
  private final List<ServiceProcess> services = new ArrayList<>();
  // Read without the lock: exit callbacks must never wait for a stop that is waiting for them.
  private volatile boolean stopping;

  RunningStack(PidFile pids, PrintStream out) {
    this.pids = pids;
    this.out = out;
  }

  synchronized KafkaBroker startKafka(Supplier<KafkaBroker> start) {
    requireNotStopping();
    kafka = start.get();
    if (kafka.isEmbedded()) {
      pids.record(KafkaBroker.ROLE, kafka.process().handle());
    }
    return kafka;
  }

  synchronized Postgres startPostgres(Supplier<Postgres> start) {
    requireNotStopping();
    postgres = start.get();
    postgres.postmaster().ifPresent(postmaster -> pids.record(Postgres.ROLE, postmaster));
    return postgres;
  }

  synchronized ServiceProcess startService(Supplier<ServiceProcess> start) {
    requireNotStopping();
    ServiceProcess service = start.get();
    services.add(service);
    pids.record(service.name(), service.jvm().handle());
    return service;
  }

  synchronized List<ServiceProcess> services() {
    return List.copyOf(services);
  }

  boolean isStopping() {
    return stopping;
  }

  /** From now on, a child that exits on its own is reported: nobody else would notice. */
  synchronized void reportUnexpectedExits(PrintStream err) {
    List<ChildJvm> children = new ArrayList<>();
    services.forEach(service -> children.add(service.jvm()));
    if (kafka != null && kafka.isEmbedded()) {
      children.add(kafka.process());
    }
    for (ChildJvm child : children) {
      child
          .onExit()
          .thenAccept(
              process -> {
                if (!isStopping()) {
                  err.println(
                      child.name()
                          + " exited unexpectedly with code "
                          + process.exitValue()
                          + "; see "
                          + StateDirectory.display(child.log())
                          + ". Restart with ./agentplane up after stopping this one (Ctrl-C).");
                }
              });
    }
  }

  /** Stops everything that was started, in reverse order. Safe to call more than once. */
  synchronized void stop() {
    if (stopping) {
      return;
    }
    stopping = true;
    long began = System.nanoTime();
    out.println();
    out.println("Stopping AgentPlane...");
    if (!services.isEmpty()) {
      List<ProcessHandle> killed =
          GracefulStop.stopAll(
              services.stream().map(service -> service.jvm().handle()).toList(),
              SERVICE_STOP_GRACE);
      out.println(
          "  services stopped"
              + (killed.isEmpty()
                  ? ""
                  : " (killed after " + SERVICE_STOP_GRACE.toSeconds() + " s)"));
    }
    if (kafka != null) {
      kafka.close();
      if (kafka.isEmbedded()) {
        out.println("  kafka stopped");
      }
    }
    if (postgres != null) {
      postgres.close();
      if (postgres.isEmbedded()) {
        out.println("  postgres stopped");
      }
    }
    pids.delete();
    out.printf("Stopped in %.1f s.%n", (System.nanoTime() - began) / 1e9);
    out.flush();
  }

  private void requireNotStopping() {
    if (stopping) {
      throw new StartupFailure("Stopped while starting.");
    }
  }
}
